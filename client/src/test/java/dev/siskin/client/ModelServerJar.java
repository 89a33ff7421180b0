package dev.siskin.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real model server ({@code java -jar model-server/target/model-server.jar}, built earlier in the reactor) as
 * a child process on a free loopback port, with the environment the test gives; its output goes to a log file.
 * {@link #close()} stops it by PID.
 */
final class ModelServerJar implements AutoCloseable {
  private static final Pattern STARTED = Pattern.compile("serving model \\S+ from .*? on port (\\d+)");

  private final Process process;
  private final Path log;
  private final int port;

  private ModelServerJar(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /** Starts model v1.0.0 on a free port of 127.0.0.1 with {@code environment} added; waits for its start-up line. */
  static ModelServerJar start(Path logDir, Map<String, String> environment) throws IOException, InterruptedException {
    Path root = RepoFiles.root();
    Path jar = root.resolve("model-server/target/model-server.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is not built: run the tests through the reactor (mvn -B verify, or "
          + "-pl model-server,client -am), which packages the model server before the client");
    }
    Path log = logDir.resolve("model-server.log");
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString())
        .directory(root.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("MODEL_") || k.startsWith("FAULT_")
        || k.startsWith("TLS_") || k.equals("PORT") || k.equals("METRICS_PORT") || k.equals("HOST"));
    builder.environment().putAll(Map.of("MODEL_PATH", "models/iris-v1.0.0.tribuo", "PORT", "0", "HOST", "127.0.0.1"));
    builder.environment().putAll(environment);
    Process process = builder.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = STARTED.matcher(Files.readString(log));
      if (m.find()) {
        return new ModelServerJar(process, log, Integer.parseInt(m.group(1)));
      }
      if (!process.isAlive()) {
        throw new AssertionError("the model server exited (code " + process.exitValue() + "):\n" + Files.readString(log));
      }
      Thread.sleep(100);
    }
    process.destroyForcibly();
    throw new AssertionError("the model server did not start within 60 s:\n" + Files.readString(log));
  }

  /** {@code 127.0.0.1:PORT}. */
  String target() {
    return "127.0.0.1:" + port;
  }

  String output() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() throws InterruptedException {
    ChildProcesses.stop(process);
  }
}
