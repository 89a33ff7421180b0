package dev.siskin.router.faults;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fat jar of this repository (model server or router) in a child process, started from the repository root.
 * Output (stdout and stderr merged) is kept line by line. Signals go to its PID only: SIGTERM through
 * {@link ProcessHandle#destroy()}, SIGKILL through {@link #kill()}, SIGSTOP/SIGCONT through {@code kill -STOP/-CONT
 * <pid>}. {@link #close()} continues and kills it if it is still alive.
 */
final class JarProcess implements AutoCloseable {
  private final String name;
  private final Process process;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private volatile boolean stopped;

  private JarProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    Thread reader = new Thread(this::readOutput, name + "-output-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  static Path repoRoot() {
    return Path.of(System.getProperty("siskin.repo.root", "..")).toAbsolutePath().normalize();
  }

  static Path jar(String property, String relative) {
    Path jar = Path.of(System.getProperty(property, repoRoot().resolve(relative).toString()));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " not built: run the integration tests through 'mvn verify' from the repository root");
    }
    return jar;
  }

  static JarProcess start(String name, Path jar, Map<String, String> environment, String... args) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx192m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(repoRoot().toFile()).redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.startsWith("MODEL_") || k.startsWith("FAULT_")
        || k.startsWith("DRAIN_") || k.equals("PORT") || k.equals("METRICS_PORT") || k.equals("CANARY_CONFIG"));
    builder.environment().putAll(environment);
    return new JarProcess(name, builder.start());
  }

  private void readOutput() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        lines.add(line);
      }
    } catch (IOException e) {
      // the process is gone
    }
  }

  /** Waits (at most 60 s) for a line matching {@code pattern} and returns its match. */
  Matcher await(Pattern pattern) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      for (String line : lines) {
        Matcher m = pattern.matcher(line);
        if (m.find()) {
          return m;
        }
      }
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited with " + process.exitValue() + ": " + output());
      }
      Thread.sleep(20);
    }
    throw new AssertionError(name + " printed no line matching " + pattern + " within 60 s: " + output());
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGTERM. */
  void terminate() {
    process.toHandle().destroy();
  }

  /** SIGKILL (kill -9), and waits until it is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGSTOP: the process hangs with its sockets open. */
  void pause() throws IOException, InterruptedException {
    signal("-STOP");
    stopped = true;
  }

  /** SIGCONT. */
  void resume() throws IOException, InterruptedException {
    signal("-CONT");
    stopped = false;
  }

  private void signal(String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill " + signal + " " + process.pid() + " failed");
    }
  }

  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " still running after " + timeout + ": " + output());
    }
    return process.exitValue();
  }

  String output() {
    return String.join("\n", lines);
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      if (stopped) {
        resume();
      }
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
    saveOutput();
  }

  /** Keeps the child's output for diagnosis, next to the other integration-test logs. */
  private void saveOutput() {
    String dir = System.getProperty("siskin.e2e.logs");
    if (dir == null) {
      return;
    }
    try {
      java.nio.file.Files.createDirectories(Path.of(dir));
      java.nio.file.Files.write(Path.of(dir, "faults-" + name + "-" + process.pid() + ".log"), lines);
    } catch (IOException e) {
      // diagnosis only
    }
  }
}
