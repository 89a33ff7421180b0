package dev.siskin.router.e2e;

import dev.siskin.router.testing.JarProcess;
import dev.siskin.router.testing.RepoPaths;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real model-server jar serving one committed model on an ephemeral loopback port (PORT=0; the port
 * is read from its start-up line, so no port is guessed), with its metrics port when asked. Ready once
 * grpc.health.v1 answers SERVING.
 */
final class ModelServerJar implements AutoCloseable {
  private static final Pattern STARTED =
      Pattern.compile("serving model (\\S+) from .*? on port (\\d+)(, metrics on port (\\d+))?");

  private final JarProcess process;
  private final String host;
  private final String version;
  private final int port;
  private final int metricsPort;

  private ModelServerJar(JarProcess process, String host, String version, int port, int metricsPort) {
    this.process = process;
    this.host = host;
    this.version = version;
    this.port = port;
    this.metricsPort = metricsPort;
  }

  /**
   * Starts {@code models/iris-<modelVersion>.tribuo}, e.g. "v1.0.0", with a metrics port and without the
   * drain grace (nothing health-checks it in these tests, so stopping need not wait); {@code extraEnv} adds
   * e.g. FAULT_LATENCY_MS, or HOST (a loopback address such as 127.0.0.3 to bind instead of 127.0.0.1) and PORT.
   */
  static ModelServerJar start(String modelVersion, Map<String, String> extraEnv)
      throws IOException, InterruptedException {
    Map<String, String> env = new HashMap<>(Map.of(
        "MODEL_PATH", "models/iris-" + modelVersion + ".tribuo",
        "PORT", "0",
        "METRICS_PORT", "0",
        "DRAIN_GRACE_MS", "0"));
    env.putAll(extraEnv);
    JarProcess child = JarProcess.start("model-" + modelVersion, RepoPaths.modelServerJar(),
        List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), List.of(), env);
    try {
      Matcher started = child.awaitLine(STARTED, Duration.ofSeconds(90));
      ModelServerJar server = new ModelServerJar(child, env.getOrDefault("HOST", "127.0.0.1"), started.group(1),
          Integer.parseInt(started.group(2)),
          started.group(4) == null ? -1 : Integer.parseInt(started.group(4)));
      if (!env.containsKey("TLS_CERT")) { // a TLS server: whoever calls it waits for it (the router's checks)
        server.awaitServing(Duration.ofSeconds(60));
      }
      return server;
    } catch (AssertionError | RuntimeException | InterruptedException e) {
      child.close();
      throw e;
    }
  }

  private void awaitServing(Duration timeout) throws InterruptedException {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress(host, port,
        InsecureChannelCredentials.create()).build();
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      String last = "no answer";
      while (System.nanoTime() < deadline) {
        try {
          ServingStatus status = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance()).getStatus();
          if (status == ServingStatus.SERVING) {
            return;
          }
          last = status.toString();
        } catch (StatusRuntimeException e) {
          last = e.getStatus().toString();
        }
        Thread.sleep(100);
      }
      throw new AssertionError(process + " not SERVING within " + timeout + " (last: " + last + ")");
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** The child process, for signals by PID. */
  JarProcess process() {
    return process;
  }

  /** The model version it reports, e.g. "v1.0.0". */
  String version() {
    return version;
  }

  /** {@code 127.0.0.1:port} (or the HOST it was given), as a backend target in canary.conf. */
  String target() {
    return host + ":" + port;
  }

  int port() {
    return port;
  }

  String metricsUrl() {
    if (metricsPort < 0) {
      throw new IllegalStateException(process + " was started without METRICS_PORT");
    }
    return "http://" + host + ":" + metricsPort + "/metrics";
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
