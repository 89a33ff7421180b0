package dev.siskin.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The grpc-java interop suite through the router with its default config: two {@code TestServiceServer}
 * processes as backends v1 and v2 (50/50), the real router jar in front, and {@code TestServiceClient} run once
 * per case against the router. A transparent proxy passes every case its backends pass, so the list is every
 * case of the suite that grpc-java's own client passes against one {@code TestServiceServer} directly (checked
 * by hand with 1.79.0): all but the credential and cloud cases, the ORCA cases, {@code cacheable_unary} (the
 * server leaves it unimplemented) and the two probing compression cases, whose probe the grpc-java server does
 * not implement (their {@code _noprobe} variants are here).
 *
 * <p>Everything runs on loopback on free ports; each process is stopped by its handle (PID) at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InteropThroughRouterIT {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration CASE_TIMEOUT = Duration.ofSeconds(120);

  private final List<Process> started = new ArrayList<>();
  private Path logs;
  private int routerPort;

  @BeforeAll
  void startBackendsAndRouter() throws Exception {
    logs = Files.createDirectories(Path.of(System.getProperty("siskin.interop.logs", "target/interop-logs"))
        .resolve(getClass().getSimpleName()));
    Path routerJar = Path.of(System.getProperty("siskin.router.jar", "../router/target/router.jar"));
    assertThat(routerJar).as("the router jar; build it first with mvn -B package (the reactor does)").exists();

    int v1 = freePort();
    int v2 = freePort();
    started.add(java("server-v1", "io.grpc.testing.integration.TestServiceServer", "--port=" + v1, "--use_tls=false"));
    started.add(java("server-v2", "io.grpc.testing.integration.TestServiceServer", "--port=" + v2, "--use_tls=false"));

    routerPort = freePort();
    int adminPort = freePort();
    // Only addresses: every other setting is the router's default, which is what the suite must pass with.
    Path config = Files.writeString(logs.resolve("canary.conf"), """
        router { listen = "127.0.0.1:%d", admin = "127.0.0.1:%d" }
        backends {
          v1 { target = "127.0.0.1:%d", weight = 50 }
          v2 { target = "127.0.0.1:%d", weight = 50 }
        }
        """.formatted(routerPort, adminPort, v1, v2));
    Process router = new ProcessBuilder(javaBin(), "-jar", routerJar.toString(), config.toString())
        .redirectErrorStream(true).redirectOutput(logs.resolve("router.log").toFile()).start();
    started.add(router);
    awaitReady(router, adminPort);
  }

  @AfterAll
  void stopAll() throws InterruptedException {
    for (Process p : started) {
      p.destroy(); // SIGTERM to that PID
    }
    for (Process p : started) {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "empty_unary", "large_unary", "client_compressed_unary_noprobe", "server_compressed_unary",
      "client_streaming", "client_compressed_streaming_noprobe", "server_streaming", "server_compressed_streaming",
      "ping_pong", "empty_stream", "custom_metadata", "status_code_and_message", "special_status_message",
      "unimplemented_method", "unimplemented_service", "cancel_after_begin", "cancel_after_first_response",
      "timeout_on_sleeping_server", "very_large_request", "pick_first_unary", "rpc_soak", "channel_soak"})
  void passesThroughTheRouter(String testCase) throws Exception {
    Path log = logs.resolve("client-" + testCase + ".log");
    Process client = new ProcessBuilder(javaBin(), "-cp", System.getProperty("java.class.path"),
        "io.grpc.testing.integration.TestServiceClient", "--server_host=127.0.0.1", "--server_port=" + routerPort,
        "--use_tls=false", "--test_case=" + testCase)
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean ended = client.waitFor(CASE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    if (!ended) {
      client.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(ended).as("%s ended within %s; output:%n%s", testCase, CASE_TIMEOUT, output).isTrue();
    assertThat(client.exitValue()).as("%s through the router; output:%n%s", testCase, output).isZero();
  }

  private Process java(String name, String mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(javaBin(), "-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logs.resolve(name + ".log").toFile())
        .start();
  }

  /** Waits for the router's /ready, which answers 200 once it serves and a backend is healthy. */
  private void awaitReady(Process router, int adminPort) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/ready"))
        .timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(router.isAlive()).as("router exited; see %s", logs.resolve("router.log")).isTrue();
      try {
        if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError("router not ready within " + START_TIMEOUT + "; see " + logs.resolve("router.log"));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
