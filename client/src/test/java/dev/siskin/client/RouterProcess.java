package dev.siskin.client;

import dev.siskin.client.admin.AdminClient;
import dev.siskin.client.admin.AdminException;
import dev.siskin.client.admin.RouterConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * The real router ({@code java -jar router/target/router.jar CONFIG}, built earlier in the reactor) as a child
 * process on loopback ports; its output goes to a log file next to the config. {@link #close()} stops it by PID.
 */
final class RouterProcess implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final String address;
  private final String admin;

  private RouterProcess(Process process, Path log, String address, String admin) {
    this.process = process;
    this.log = log;
    this.address = address;
    this.admin = admin;
  }

  /** Starts the router on {@code config}, which the test has written for {@code listen} and {@code admin}. */
  static RouterProcess start(Path config, String listen, String admin) throws IOException, InterruptedException {
    Path jar = RepoFiles.root().resolve("router/target/router.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is not built: run the tests through the full reactor (mvn -B verify), "
          + "which packages the router before the client");
    }
    Path log = config.resolveSibling("router.log");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(), config.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    RouterProcess router = new RouterProcess(p, log, listen, admin);
    try {
      router.awaitConfig(c -> true, Duration.ofSeconds(60));
      // /config answers as soon as the admin endpoint is up; the gRPC listener binds after the router's warm-up
      // (router.warm-up-calls), when /ready turns 200.
      router.awaitReady(Duration.ofSeconds(60));
      return router;
    } catch (AssertionError | RuntimeException | InterruptedException e) {
      router.close();
      throw e;
    }
  }

  /** Polls /ready until it answers 200; fails after {@code timeout} or when the router exited. */
  void awaitReady(Duration timeout) throws InterruptedException, IOException {
    poll("router not ready", timeout, (client, seen) -> {
      int status = client.readyStatus();
      seen[0] = "/ready " + status;
      return status == 200 ? Boolean.TRUE : null;
    });
  }

  /** Polls /config until {@code condition} holds; fails after {@code timeout} or when the router exited. */
  RouterConfig awaitConfig(Predicate<RouterConfig> condition, Duration timeout) throws InterruptedException,
      IOException {
    return poll("router /config not as expected", timeout, (client, seen) -> {
      RouterConfig config = client.config();
      seen[0] = config.toString();
      return condition.test(config) ? config : null;
    });
  }

  /** One look at the admin endpoint: the result, or null (not yet) with what was seen in {@code seen[0]}. */
  private interface Probe<T> {
    T look(AdminClient client, String[] seen) throws AdminException;
  }

  private <T> T poll(String failure, Duration timeout, Probe<T> probe) throws InterruptedException, IOException {
    AdminClient client = new AdminClient(Target.parseHostPort(admin), Duration.ofSeconds(2));
    long deadline = System.nanoTime() + timeout.toNanos();
    String[] last = {"no answer"};
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("the router exited (code " + process.exitValue() + "):\n" + Files.readString(log));
      }
      try {
        T result = probe.look(client, last);
        if (result != null) {
          return result;
        }
      } catch (AdminException e) {
        last[0] = e.getMessage();
      }
      Thread.sleep(100);
    }
    throw new AssertionError(failure + " within " + timeout + " (last: " + last[0] + "):\n"
        + String.join("\n", tail(Files.readAllLines(log))));
  }

  /** The gRPC address clients call. */
  String address() {
    return address;
  }

  @Override
  public void close() throws InterruptedException {
    ChildProcesses.stop(process);
  }

  private static List<String> tail(List<String> lines) {
    return lines.subList(Math.max(0, lines.size() - 30), lines.size());
  }
}
