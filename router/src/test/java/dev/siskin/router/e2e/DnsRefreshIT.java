package dev.siskin.router.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backend behind a DNS name with several addresses, as a headless Kubernetes Service is: three real model
 * servers on 127.0.0.2, .3 and .4 with one port, the name {@code v2.siskin.test} in a hosts file the router JVM
 * reads ({@code -Djdk.net.hosts.file}), the target {@code dns:///v2.siskin.test:<port>}. Under a steady client
 * load the test adds an address to the file and removes one, and checks that the router follows within 10 s
 * with {@code router.dns-refresh = 1s}, spreads calls over every address, and fails no call; and that with
 * {@code dns-refresh = 0} (grpc's own behaviour) it does not follow an added address.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DnsRefreshIT {
  private static final String NAME = "v2.siskin.test";
  private static final String[] IPS = {"127.0.0.2", "127.0.0.3", "127.0.0.4"};
  private static final Duration FOLLOW_BOUND = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  private final Map<String, ModelServerJar> servers = new HashMap<>();
  private int port;

  @BeforeAll
  void startModelServers() throws Exception {
    for (String ip : IPS) {
      assumeTrue(bindable(ip), ip + " is not a loopback address of this machine (Linux: all of 127/8 is)");
    }
    ModelServerJar first = ModelServerJar.start("v2.0.0", Map.of("HOST", IPS[0]));
    servers.put(IPS[0], first);
    port = first.port();
    for (int i = 1; i < IPS.length; i++) {
      servers.put(IPS[i], ModelServerJar.start("v2.0.0", Map.of("HOST", IPS[i], "PORT", Integer.toString(port))));
    }
  }

  @AfterAll
  void stopModelServers() throws InterruptedException {
    for (ModelServerJar server : servers.values()) {
      server.close();
    }
  }

  private static boolean bindable(String ip) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress(InetAddress.getByName(ip), 0));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void followsAddedAndRemovedAddressesWithoutFailingACall() throws Exception {
    Path hosts = dir.resolve("hosts");
    writeHosts(hosts, IPS[0], IPS[1]);
    try (RouterJar router = startRouter("dns-refresh", hosts, "1s");
        PredictClient client = new PredictClient(router.port());
        SteadyLoad load = new SteadyLoad(client)) {
      awaitCallsOnTheFirstAnswer(router);

      writeHosts(hosts, IPS[0], IPS[1], IPS[2]);
      long added = System.nanoTime();
      JsonNode joined = awaitEndpoints(router, e -> calls(e, IPS[2]) > 0, FOLLOW_BOUND,
          "calls on the added address " + IPS[2]);
      double joinSeconds = (System.nanoTime() - added) / 1e9;
      System.out.printf("DnsRefreshIT: added %s got its first call after %.1f s%n", IPS[2], joinSeconds);
      assertThat(joinSeconds).isLessThan(FOLLOW_BOUND.toSeconds());

      writeHosts(hosts, IPS[1], IPS[2]);
      long removed = System.nanoTime();
      awaitEndpoints(router, e -> endpoint(e, IPS[0]) == null, FOLLOW_BOUND,
          "the removed address " + IPS[0] + " gone from /clusters");
      double leaveSeconds = (System.nanoTime() - removed) / 1e9;
      long servedByRemoved = predictions(IPS[0]);
      long servedByOthers = predictions(IPS[1]) + predictions(IPS[2]);
      load.awaitMoreCalls(300);
      System.out.printf("DnsRefreshIT: removed %s left /clusters after %.1f s%n", IPS[0], leaveSeconds);
      assertThat(predictions(IPS[0])).as("calls on the removed address after it left").isEqualTo(servedByRemoved);
      assertThat(predictions(IPS[1]) + predictions(IPS[2])).isGreaterThanOrEqualTo(servedByOthers + 300);

      load.stopAndAssertNoneFailed();
      JsonNode backend = router.admin().clusters().get("backends").get(0);
      System.out.println("DnsRefreshIT: endpoints after the removal " + backend.get("endpoints"));
      assertThat(backend.get("addresses")).extracting(JsonNode::asText)
          .containsExactly(IPS[1] + ":" + port, IPS[2] + ":" + port);
      assertThat(backend.get("dns").get("lastSuccessAt").isNull()).isFalse();
      assertThat(backend.get("dns").get("failing").asBoolean()).isFalse();
      assertThat(calls(joined, IPS[0])).isPositive();
      Map<String, Long> calls = new HashMap<>();
      for (JsonNode e : backend.get("endpoints")) {
        calls.put(e.get("address").asText(), e.get("calls").asLong());
      }
      System.out.println("DnsRefreshIT: calls per address (router) " + calls + ", served per model server "
          + Map.of(IPS[0], predictions(IPS[0]), IPS[1], predictions(IPS[1]), IPS[2], predictions(IPS[2])));
    }
  }

  /** Proves the test above can fail: grpc's own behaviour, re-resolving only on a failed connection. */
  @Test
  void withoutRefreshAnAddedAddressGetsNoCalls() throws Exception {
    Path hosts = dir.resolve("hosts-no-refresh");
    writeHosts(hosts, IPS[0], IPS[1]);
    try (RouterJar router = startRouter("dns-refresh-off", hosts, "0");
        PredictClient client = new PredictClient(router.port());
        SteadyLoad load = new SteadyLoad(client)) {
      awaitCallsOnTheFirstAnswer(router);
      long before = predictions(IPS[2]);
      writeHosts(hosts, IPS[0], IPS[1], IPS[2]);
      long end = System.nanoTime() + FOLLOW_BOUND.toNanos();
      while (System.nanoTime() < end) {
        assertThat(endpoint(router.admin().clusters(), IPS[2])).isNull();
        Thread.sleep(200); // polling a condition that must stay false: there is nothing to wait for
      }
      assertThat(predictions(IPS[2])).isEqualTo(before);
      load.stopAndAssertNoneFailed();
    }
  }

  private RouterJar startRouter(String name, Path hosts, String dnsRefresh) throws Exception {
    Path config = dir.resolve(name + ".conf");
    List<String> jvm = new ArrayList<>(RouterJar.JVM_OPTIONS);
    jvm.add("-Djdk.net.hosts.file=" + hosts);
    return RouterJar.start(name, config, (listen, admin) -> Files.writeString(config, """
        # written by DnsRefreshIT
        router {
          listen = "127.0.0.1:%d"
          admin = "127.0.0.1:%d"
          dns-refresh = %s
          drain-grace = 0s
        }
        backends {
          v2 { target = "dns:///%s:%d", weight = 100 }
        }
        """.formatted(listen, admin, dnsRefresh, NAME, port)), jvm);
  }

  private void writeHosts(Path hosts, String... ips) throws IOException {
    new HostsFile(hosts).write(NAME, ips);
  }

  private void awaitCallsOnTheFirstAnswer(RouterJar router) throws Exception {
    awaitEndpoints(router, e -> calls(e, IPS[0]) > 0 && calls(e, IPS[1]) > 0, Duration.ofSeconds(30),
        "calls on both addresses of the first answer");
  }

  private JsonNode awaitEndpoints(RouterJar router, Predicate<JsonNode> done, Duration bound, String what)
      throws Exception {
    long deadline = System.nanoTime() + bound.toNanos();
    JsonNode last = router.admin().clusters();
    while (!done.test(last)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + what + " within " + bound + "; last /clusters backends: "
            + last.get("backends"));
      }
      Thread.sleep(100);
      last = router.admin().clusters();
    }
    return last;
  }

  private JsonNode endpoint(JsonNode clusters, String ip) {
    for (JsonNode e : clusters.get("backends").get(0).get("endpoints")) {
      if (e.get("address").asText().equals(ip + ":" + port)) {
        return e;
      }
    }
    return null;
  }

  private long calls(JsonNode clusters, String ip) {
    JsonNode e = endpoint(clusters, ip);
    return e == null ? 0 : e.get("calls").asLong();
  }

  private long predictions(String ip) throws IOException, InterruptedException {
    var metrics = AdminClient.scrape(servers.get(ip).metricsUrl());
    return (long) metrics.values().stream().flatMap(f -> f.samples().stream())
        .filter(s -> s.name().equals("siskin_model_predictions_total"))
        .mapToDouble(dev.siskin.router.metrics.PrometheusTextParser.Sample::value).sum();
  }
}
