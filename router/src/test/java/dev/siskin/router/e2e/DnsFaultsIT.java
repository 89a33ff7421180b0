package dev.siskin.router.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The faults a backend behind a DNS name meets, with real model servers on loopback addresses and names in a
 * hosts file the router reads: a name that does not resolve at start, one that stops resolving, a replica killed
 * with SIGKILL, and an address that answers but is no gRPC server. Each is reported, and no call that another
 * replica could serve fails.
 */
class DnsFaultsIT {
  private static final String V1 = "v1.siskin.test";
  private static final String V2 = "v2.siskin.test";
  private static final Duration BOUND = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  private final Started started = new Started();

  @AfterEach
  void stopAll() throws Exception {
    started.close();
  }

  private <T extends AutoCloseable> T keep(T closeable) {
    return started.keep(closeable);
  }

  private static void assumeLoopback(String... ips) {
    for (String ip : ips) {
      try (ServerSocket probe = new ServerSocket()) {
        probe.bind(new InetSocketAddress(InetAddress.getByName(ip), 0));
      } catch (IOException e) {
        assumeTrue(false, ip + " is not a loopback address of this machine (Linux: all of 127/8 is)");
      }
    }
  }

  private ModelServerJar model(String version, String ip, int port) throws Exception {
    return keep(ModelServerJar.start(version, port == 0 ? Map.of("HOST", ip)
        : Map.of("HOST", ip, "PORT", Integer.toString(port))));
  }

  private RouterJar router(String name, HostsFile hosts, String backends) throws Exception {
    Path config = dir.resolve(name + ".conf");
    List<String> jvm = new ArrayList<>(RouterJar.JVM_OPTIONS);
    jvm.add("-Djdk.net.hosts.file=" + hosts.path());
    return keep(RouterJar.start(name, config, (listen, admin) -> Files.writeString(config, """
        router { listen = "127.0.0.1:%d", admin = "127.0.0.1:%d", dns-refresh = 1s, drain-grace = 0s }
        backends { %s }
        """.formatted(listen, admin, backends)), jvm));
  }

  private static JsonNode backend(RouterJar router, String name) throws Exception {
    for (JsonNode b : router.admin().clusters().get("backends")) {
      if (b.get("name").asText().equals(name)) {
        return b;
      }
    }
    throw new AssertionError("no backend " + name + " in /clusters");
  }

  private static JsonNode await(RouterJar router, String name, Predicate<JsonNode> done, Duration bound, String what)
      throws Exception {
    long deadline = System.nanoTime() + bound.toNanos();
    JsonNode last = backend(router, name);
    while (!done.test(last)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + what + " within " + bound + "; last: " + last);
      }
      Thread.sleep(100);
      last = backend(router, name);
    }
    return last;
  }

  private static long calls(JsonNode backend, String address) {
    for (JsonNode e : backend.get("endpoints")) {
      if (e.get("address").asText().equals(address)) {
        return e.get("calls").asLong();
      }
    }
    return 0;
  }

  private static boolean unhealthy(JsonNode backend) {
    return !backend.path("health").path("state").asText("").equals("healthy");
  }

  @Test
  void aNameThatDoesNotResolveAtStartIsReportedWhileTheOtherBackendServesAndJoinsOnceItResolves() throws Exception {
    assumeLoopback("127.0.0.2", "127.0.0.3");
    ModelServerJar v2 = model("v2.0.0", "127.0.0.2", 0);
    ModelServerJar v1 = model("v1.0.0", "127.0.0.3", v2.port());
    HostsFile hosts = new HostsFile(dir.resolve("hosts-start"));
    hosts.write(V2, "127.0.0.2");
    RouterJar router = router("dns-unresolved-at-start", hosts, """
        v1 { target = "dns:///%s:%d", weight = 50 }
        v2 { target = "dns:///%s:%d", weight = 50 }
        """.formatted(V1, v1.port(), V2, v2.port()));
    JsonNode reported = await(router, "v1", b -> b.get("dns").get("failing").asBoolean() && unhealthy(b), BOUND,
        "report of v1's failed lookup");
    System.out.println("DnsFaultsIT: v1 at start: dns " + reported.get("dns") + ", health " + reported.get("health"));
    assertThat(reported.get("dns").get("lastError").asText()).contains(V1);
    PredictClient client = keep(new PredictClient(router.port()));
    SteadyLoad load = keep(new SteadyLoad(client));
    load.awaitMoreCalls(200);
    assertThat(load.failures()).as("v2 serves every call while v1 does not resolve").isEmpty();

    hosts.write(Map.of(V1, List.of("127.0.0.3"), V2, List.of("127.0.0.2")));
    JsonNode joined = await(router, "v1", b -> calls(b, "127.0.0.3:" + v1.port()) > 0, Duration.ofSeconds(20),
        "calls on v1 once its name resolves");
    assertThat(joined.get("dns").get("failing").asBoolean()).isFalse();
    load.stopAndAssertNoneFailed();
  }

  @Test
  void aNameThatStopsResolvingKeepsItsLastAddressesAndTheFailureIsReported() throws Exception {
    assumeLoopback("127.0.0.2", "127.0.0.3");
    ModelServerJar first = model("v2.0.0", "127.0.0.2", 0);
    model("v2.0.0", "127.0.0.3", first.port());
    HostsFile hosts = new HostsFile(dir.resolve("hosts-stop"));
    hosts.write(V2, "127.0.0.2", "127.0.0.3");
    RouterJar router = router("dns-stops-resolving", hosts, """
        v2 { target = "dns:///%s:%d", weight = 100 }
        """.formatted(V2, first.port()));
    PredictClient client = keep(new PredictClient(router.port()));
    SteadyLoad load = keep(new SteadyLoad(client));
    await(router, "v2", b -> b.get("endpoints").size() == 2, BOUND, "both addresses");
    hosts.write(Map.of()); // the name is gone: every lookup fails from now on
    JsonNode failing = await(router, "v2", b -> b.get("dns").get("failing").asBoolean(), BOUND, "the failure reported");
    long before = load.done();
    load.awaitMoreCalls(300);
    JsonNode kept = backend(router, "v2");
    System.out.println("DnsFaultsIT: after the name stopped resolving: dns " + failing.get("dns") + ", addresses "
        + kept.get("addresses") + ", " + (load.done() - before) + " more calls");
    assertThat(kept.get("addresses")).as("the last good set is kept").hasSize(2);
    assertThat(kept.get("dns").get("lastError").asText()).contains(V2);
    load.stopAndAssertNoneFailed();
  }

  @Test
  void aReplicaKilledWithSigkillLosesNoCall() throws Exception {
    assumeLoopback("127.0.0.2", "127.0.0.3");
    ModelServerJar stays = model("v2.0.0", "127.0.0.2", 0);
    ModelServerJar killed = model("v2.0.0", "127.0.0.3", stays.port());
    HostsFile hosts = new HostsFile(dir.resolve("hosts-kill"));
    hosts.write(V2, "127.0.0.2", "127.0.0.3");
    RouterJar router = router("dns-sigkill", hosts, """
        v2 { target = "dns:///%s:%d", weight = 100 }
        """.formatted(V2, stays.port()));
    PredictClient client = keep(new PredictClient(router.port()));
    SteadyLoad load = keep(new SteadyLoad(client));
    String killedAddress = "127.0.0.3:" + stays.port();
    await(router, "v2", b -> calls(b, killedAddress) > 50, Duration.ofSeconds(30), "calls on " + killedAddress);
    killed.process().sigkill();
    long at = load.done();
    load.awaitMoreCalls(500);
    JsonNode after = backend(router, "v2");
    System.out.println("DnsFaultsIT: after SIGKILL of " + killedAddress + ": " + (load.done() - at)
        + " more calls, endpoints " + after.get("endpoints"));
    load.stopAndAssertNoneFailed();
  }

  @Test
  void anAddressThatAnswersButIsNoGrpcServerGetsNoCalls() throws Exception {
    assumeLoopback("127.0.0.2", "127.0.0.5");
    ModelServerJar real = model("v2.0.0", "127.0.0.2", 0);
    NotAGrpcServer impostor = keep(new NotAGrpcServer("127.0.0.5", real.port()));
    HostsFile hosts = new HostsFile(dir.resolve("hosts-impostor"));
    hosts.write(V2, "127.0.0.2", "127.0.0.5");
    RouterJar router = router("dns-impostor", hosts, """
        v2 { target = "dns:///%s:%d", weight = 100 }
        """.formatted(V2, real.port()));
    PredictClient client = keep(new PredictClient(router.port()));
    SteadyLoad load = keep(new SteadyLoad(client));
    load.awaitMoreCalls(300);
    JsonNode b = backend(router, "v2");
    System.out.println("DnsFaultsIT: with an HTTP/1.1 server among the addresses: endpoints " + b.get("endpoints")
        + "; it was connected to " + impostor.accepted() + " time(s)");
    assertThat(impostor.accepted()).as("the router tried the address").isPositive();
    for (JsonNode e : b.get("endpoints")) {
      if (e.get("address").asText().startsWith("127.0.0.5:")) {
        assertThat(e.get("healthy").asBoolean()).isFalse();
        assertThat(e.get("calls").asLong()).isZero();
      }
    }
    load.stopAndAssertNoneFailed();
  }

  /** A TCP server that answers every connection with an HTTP/1.1 error and closes it, as a wrong port would. */
  private static final class NotAGrpcServer implements AutoCloseable {
    private final ServerSocket socket;
    private final Thread thread;
    private volatile int accepted;

    NotAGrpcServer(String ip, int port) throws IOException {
      socket = new ServerSocket();
      socket.bind(new InetSocketAddress(InetAddress.getByName(ip), port));
      thread = new Thread(() -> {
        while (!socket.isClosed()) {
          try (Socket s = socket.accept(); OutputStream out = s.getOutputStream()) {
            accepted++;
            out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
          } catch (IOException e) {
            // closed, or the peer went away: next one
          }
        }
      }, "not-a-grpc-server");
      thread.setDaemon(true);
      thread.start();
    }

    int accepted() {
      return accepted;
    }

    @Override
    public void close() throws Exception {
      socket.close();
      thread.join(5000);
    }
  }
}
