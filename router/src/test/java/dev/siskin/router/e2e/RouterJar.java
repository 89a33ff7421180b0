package dev.siskin.router.e2e;

import dev.siskin.router.testing.FreePorts;
import dev.siskin.router.testing.JarProcess;
import dev.siskin.router.testing.RepoPaths;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The real router jar ({@code java -jar router.jar CONFIG}) on loopback ports picked by {@link FreePorts};
 * ready once its admin endpoint answers {@code /ready} with 200. When a picked port was taken in between,
 * the router exits at start naming the address; the start is retried with new ports (3 attempts).
 */
final class RouterJar implements AutoCloseable {
  /** Writes the router's config for the ports it will listen on (gRPC, admin). */
  @FunctionalInterface
  interface ConfigWriter {
    void write(int listenPort, int adminPort) throws IOException;
  }

  private final JarProcess process;
  private final int port;
  private final AdminClient admin;

  private RouterJar(JarProcess process, int port, AdminClient admin) {
    this.process = process;
    this.port = port;
    this.admin = admin;
  }

  /** The JVM options of a router the tests start, unless a test needs others (e.g. a smaller heap). */
  static final List<String> JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC");

  /** Starts the router on {@code config} (a path the router is given; the writer creates what it names). */
  static RouterJar start(String name, Path config, ConfigWriter writer) throws IOException, InterruptedException {
    return start(name, config, writer, JVM_OPTIONS);
  }

  /** As above, in a JVM started with {@code jvmOptions}. */
  static RouterJar start(String name, Path config, ConfigWriter writer, List<String> jvmOptions)
      throws IOException, InterruptedException {
    return start(name, config, writer, jvmOptions, null);
  }

  /** As above, with the admin endpoint read over HTTPS with {@code adminTls} (null: plain HTTP). */
  static RouterJar start(String name, Path config, ConfigWriter writer, List<String> jvmOptions,
      javax.net.ssl.SSLContext adminTls) throws IOException, InterruptedException {
    AssertionError lastFailure = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      int[] ports = FreePorts.pick(2);
      writer.write(ports[0], ports[1]);
      JarProcess child = JarProcess.start(name, RepoPaths.routerJar(), jvmOptions,
          List.of(config.toString()), Map.of());
      AdminClient admin = adminTls == null ? new AdminClient("127.0.0.1:" + ports[1])
          : new AdminClient("127.0.0.1:" + ports[1], adminTls);
      try {
        awaitReady(child, admin, Duration.ofSeconds(60));
        return new RouterJar(child, ports[0], admin);
      } catch (AssertionError e) {
        child.close();
        lastFailure = e;
        if (!child.output().contains("in use")) {
          throw e;
        }
      }
    }
    throw lastFailure;
  }

  /**
   * Starts the router on ports the caller picked (routers that must name each other's admin ports in their
   * configs); no retry on a port taken meanwhile.
   */
  static RouterJar startAt(String name, Path config, int listenPort, int adminPort, ConfigWriter writer)
      throws IOException, InterruptedException {
    writer.write(listenPort, adminPort);
    JarProcess child = JarProcess.start(name, RepoPaths.routerJar(), JVM_OPTIONS, List.of(config.toString()), Map.of());
    AdminClient admin = new AdminClient("127.0.0.1:" + adminPort);
    try {
      awaitReady(child, admin, Duration.ofSeconds(60));
    } catch (AssertionError e) {
      child.close();
      throw e;
    }
    return new RouterJar(child, listenPort, admin);
  }

  private static void awaitReady(JarProcess child, AdminClient admin, Duration timeout)
      throws InterruptedException, IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!child.isAlive()) {
        throw new AssertionError(child + " exited at start:\n" + child.output());
      }
      try {
        int status = admin.status("/ready");
        if (status == 200) {
          return;
        }
        last = "HTTP " + status;
      } catch (ConnectException | HttpTimeoutException e) {
        last = e.toString();
      }
      Thread.sleep(100);
    }
    throw new AssertionError(child + " not ready within " + timeout + " (last: " + last + "):\n" + child.output());
  }

  /** The gRPC port clients call. */
  int port() {
    return port;
  }

  AdminClient admin() {
    return admin;
  }

  JarProcess process() {
    return process;
  }

  @Override
  public void close() throws InterruptedException {
    process.close();
  }

  @Override
  public String toString() {
    return process.toString();
  }
}
