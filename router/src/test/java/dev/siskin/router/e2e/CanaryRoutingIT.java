package dev.siskin.router.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.siskin.proto.HealthServiceGrpc;
import dev.siskin.proto.v1.HealthRequest;
import dev.siskin.proto.v1.HealthResponse;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import dev.siskin.router.config.CanaryConfigParser;
import dev.siskin.router.testing.RepoPaths;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3 end to end: two real model servers (v1, v2) behind the real router jar. Shares at every stage set
 * by the real stage.sh, every model-server service through the router, and the "done when": stage
 * 50 to 90 takes effect within 1 s with no failed call. Also issue 5's loopback-only admin endpoint.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CanaryRoutingIT {
  private static final List<String> MODEL_SERVER_SERVICES = List.of("mlservice.v1.PredictionService",
      "HealthService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection");

  @TempDir
  static Path dir;
  private E2eCluster cluster;

  @BeforeAll
  void startCluster() throws Exception {
    cluster = E2eCluster.start("router-routing", dir, 50, 50);
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void everyStageSplitsTenThousandCallsByItsWeights() throws Exception {
    for (String stage : List.of("10", "50", "90", "100", "rollback")) {
      cluster.stage(stage);
      int[] w = StageScript.weights(stage);
      Tally tally = cluster.client.run(10_000, 16, PredictClient.SEED_REQUEST);
      System.out.printf("e2e shares: stage %-8s weights %d/%d -> by header v1=%d v2=%d, by model_version "
          + "v1.0.0=%d v2.0.0=%d%n", stage, w[0], w[1], tally.byHeader("v1"), tally.byHeader("v2"),
          tally.byModelVersion("v1.0.0"), tally.byModelVersion("v2.0.0"));

      assertThat(tally.failed()).as("failed calls at stage %s: %s", stage, tally).isZero();
      assertThat(tally.mismatched()).as("header and model_version disagree: %s", tally).isZero();
      assertThat(tally.byHeader("v1") + tally.byHeader("v2")).as(tally.toString()).isEqualTo(10_000);
      int expectedV1 = 10_000 * w[0] / 100;
      assertThat(tally.byHeader("v1")).as("stage %s: %s", stage, tally).isBetween(expectedV1 - 100, expectedV1 + 100);
      assertThat(tally.byModelVersion("v1.0.0")).as("stage %s: %s", stage, tally)
          .isBetween(expectedV1 - 100, expectedV1 + 100);
      assertThat(tally.byModelVersion("v2.0.0")).as("stage %s: %s", stage, tally)
          .isBetween(10_000 - expectedV1 - 100, 10_000 - expectedV1 + 100);
    }
  }

  @Test
  void everyModelServerServiceAnswersThroughTheRouter() throws Exception {
    cluster.stage("50");
    AtomicReference<Metadata> headers = new AtomicReference<>();
    Channel channel = ClientInterceptors.intercept(cluster.client.channel(),
        MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>()));

    for (int i = 0; i < 2; i++) { // at 50/50 two calls in a row reach both backends
      HealthResponse legacy = HealthServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
          .health(HealthRequest.getDefaultInstance());
      assertThat(legacy.getStatus()).isEqualTo("ok");
      assertThat(legacy.getModelVersion()).startsWith(headers.get().get(PredictClient.BACKEND_HEADER) + ".");

      HealthResponse health = PredictionServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(20, TimeUnit.SECONDS).health(HealthRequest.getDefaultInstance());
      assertThat(health.getStatus()).isEqualTo("ok");
      assertThat(health.getModelVersion()).startsWith(headers.get().get(PredictClient.BACKEND_HEADER) + ".");
    }

    List<String> predictedBy = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      PredictClient.Outcome outcome = cluster.client.call(PredictClient.SEED_REQUEST);
      assertThat(outcome.status().isOk()).as(outcome.toString()).isTrue();
      assertThat(outcome.response().getPrediction()).isEqualTo("setosa");
      assertThat(outcome.response().getConfidence()).isBetween(0.5, 1.0);
      assertThat(outcome.modelVersion()).startsWith(outcome.backend() + ".");
      predictedBy.add(outcome.backend());
    }
    assertThat(predictedBy).containsExactlyInAnyOrder("v1", "v2");

    assertThat(HealthGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);
    assertThat(HealthGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService("mlservice.v1.PredictionService").build())
        .getStatus()).isEqualTo(ServingStatus.SERVING);

    assertThat(ReflectionList.v1(channel)).containsExactlyInAnyOrderElementsOf(MODEL_SERVER_SERVICES);
    assertThat(headers.get().get(PredictClient.BACKEND_HEADER)).isIn("v1", "v2");
    assertThat(ReflectionList.v1alpha(channel)).containsExactlyInAnyOrderElementsOf(MODEL_SERVER_SERVICES);
  }

  /**
   * The "done when": at stage 50, {@code stage.sh 90} turns the observed split into 10/90 within 1 s
   * with no failed call. One client sends calls one after another (so their order is the router's order);
   * the switch is the first call from which every window of 10 consecutive calls has exactly one v1 (at 50/50
   * every such window has five); it may be early by one call (a last 50/50 call to v2 followed by nine
   * 10/90 calls also has one v1 in ten). The time is measured from when stage.sh wrote the new file (its
   * modification time: the script renames its temp file right after writing it): on a loaded machine
   * the JVM may learn of the script's exit hundreds of ms after the fact, too late to time from.
   */
  @Test
  void stageNinetyFromFiftyTakesEffectWithinOneSecondWithoutFailedCalls() throws Exception {
    cluster.stage("50");
    LoadThreads load = LoadThreads.start(cluster.client, 1, true, false, 60);
    long exited;
    long applied;
    long written;
    try {
      load.awaitCalls(500, 30_000);
      exited = cluster.stage("90");
      applied = System.nanoTime();
      written = nanoTimeOf(Files.getLastModifiedTime(cluster.config).toInstant());
      int atApply = load.tally().total();
      load.awaitCalls(atApply + 1000, 30_000);
    } finally {
      load.stopAndJoin();
    }
    List<PredictClient.Outcome> calls = load.outcomes();
    assertThat(load.tally().failed()).as(load.tally().toString()).isZero();

    int switchAt = firstOfSettledWindows(calls, 10, 1);
    assertThat(switchAt).as("no stretch of 10/90 windows in %d calls", calls.size()).isGreaterThan(0);
    assertThat(calls.size() - switchAt).isGreaterThanOrEqualTo(1000);
    // Before the switch the router was at 50/50: every window of 2 calls had one of each.
    for (int i = 0; i + 2 <= switchAt - 10; i++) {
      assertThat(count(calls.subList(i, i + 2), "v1")).as("50/50 window at %d", i).isEqualTo(1);
    }
    double millis = (calls.get(switchAt).startNanos() - written) / 1e6;
    System.out.printf("e2e stage 50 -> 90: first 10/90 window started %.1f ms after stage.sh wrote the file "
        + "(%.1f ms after the test saw stage.sh exit; /config showed the new generation %.1f ms after that), "
        + "%d calls, 0 failed%n", millis, (calls.get(switchAt).startNanos() - exited) / 1e6,
        (applied - exited) / 1e6, calls.size());
    // The file's time is the kernel's coarse clock (a few ms behind at most), so the switch is never before it.
    assertThat(millis).as("ms from stage.sh's write to the first 10/90 window").isBetween(0.0, 1000.0);
  }

  /**
   * The admin endpoint as config/canary.conf and the defaults set it up (host 127.0.0.1; only the port is
   * a free one here, the tests must not take 9901) answers on loopback and refuses connections on this
   * machine's other addresses.
   */
  @Test
  void adminEndpointOnItsDefaultLoopbackHostIsNotReachableOnOtherAddresses() throws Exception {
    Path withoutAdmin = dir.resolve("defaults.conf");
    Files.writeString(withoutAdmin, "backends { v1 { target = \"127.0.0.1:1\", weight = 1 } }\n");
    String defaultAdmin = CanaryConfigParser.parse(withoutAdmin).router().admin();
    String shippedAdmin = CanaryConfigParser.parse(RepoPaths.repoRoot().resolve("config/canary.conf"))
        .router().admin();
    String routerAdmin = cluster.admin().config().get("router").get("admin").asText();
    String host = routerAdmin.substring(0, routerAdmin.lastIndexOf(':'));
    assertThat(defaultAdmin).startsWith(host + ":");
    assertThat(shippedAdmin).startsWith(host + ":");
    int port = Integer.parseInt(routerAdmin.substring(routerAdmin.lastIndexOf(':') + 1));

    InetAddress other = LocalAddresses.nonLoopback();
    assumeTrue(other != null, "this machine has no non-loopback address");
    try (Socket viaLoopback = new Socket()) {
      viaLoopback.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
    }
    assertThatThrownBy(() -> {
      try (Socket viaOther = new Socket()) {
        viaOther.connect(new InetSocketAddress(other, port), 10_000);
      }
    }).as("connect to %s:%d", other.getHostAddress(), port).isInstanceOf(ConnectException.class);
    System.out.printf("e2e admin: %s reachable on loopback, refused on %s%n", routerAdmin, other.getHostAddress());
  }

  /**
   * Issue 5: after 1000 good Predict calls at 90/10 and 20 that the model servers reject (INVALID_ARGUMENT),
   * /clusters and /metrics (parsed strictly) count per backend exactly what the client saw each backend
   * answer, and exactly what each model server's own metrics counted.
   */
  @Test
  void clustersAndMetricsCountExactlyWhatEachBackendServed() throws Exception {
    cluster.stage("10");
    ServedCounts before = ServedCounts.read(cluster);
    Tally good = cluster.client.run(1000, 8, PredictClient.SEED_REQUEST);
    Tally bad = cluster.client.run(20, 4, PredictClient.MISSING_FEATURE_REQUEST);

    assertThat(good.failed()).as(good.toString()).isZero();
    assertThat(good.byHeader("v1")).as(good.toString()).isBetween(890, 910);
    assertThat(bad.byStatus("INVALID_ARGUMENT")).as(bad.toString()).isEqualTo(20);
    assertThat(bad.byHeader("v1") + bad.byHeader("v2")).as(bad.toString()).isEqualTo(20);
    assertThat(bad.failures().get(0).status().getDescription()).contains("petal_width");

    // The router counts a call when it closes, which can be a moment after the client saw it close.
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      ServedCounts served = ServedCounts.read(cluster).since(before);
      for (String b : List.of("v1", "v2")) {
        long ok = good.byHeader(b);
        long invalid = bad.byHeader(b);
        assertThat(served.get("clusters " + b + " total")).as(b + " " + served).isEqualTo(ok + invalid);
        assertThat(served.get("clusters " + b + " OK")).as(b + " " + served).isEqualTo(ok);
        assertThat(served.get("clusters " + b + " INVALID_ARGUMENT")).as(b + " " + served).isEqualTo(invalid);
        assertThat(served.get("metrics " + b + " OK")).as(b + " " + served).isEqualTo(ok);
        assertThat(served.get("metrics " + b + " INVALID_ARGUMENT")).as(b + " " + served).isEqualTo(invalid);
        assertThat(served.get("model " + b + " predictions")).as(b + " " + served).isEqualTo(ok);
        assertThat(served.get("model " + b + " validation failures")).as(b + " " + served).isEqualTo(invalid);
      }
    });
    System.out.printf("e2e counts: client saw good %s, bad %s; router and model servers agree: %s%n",
        good.summary(), bad.summary(), ServedCounts.read(cluster).since(before));

    JsonNode clusters = cluster.admin().clusters();
    for (JsonNode backend : clusters.get("backends")) {
      String name = backend.get("name").asText();
      ModelServerJar server = name.equals("v1") ? cluster.v1 : cluster.v2;
      assertThat(backend.get("target").asText()).isEqualTo(server.target());
      assertThat(backend.get("addresses").toString()).isEqualTo("[\"" + server.target() + "\"]");
      assertThat(backend.get("inFlight").asLong()).isZero();
      assertThat(backend.get("weight").asInt()).isEqualTo(name.equals("v1") ? 90 : 10);
    }
    assertThat(clusters.get("backends")).hasSize(2);
  }

  /** Converts a wall-clock instant (a file time) to the {@code System.nanoTime()} scale of the call records. */
  private static long nanoTimeOf(Instant instant) {
    Instant now = Instant.now();
    long nanoNow = System.nanoTime();
    return nanoNow - Duration.between(instant, now).toNanos();
  }

  /** The index from which every window of {@code size} consecutive calls has {@code v1} calls to v1; -1 if none. */
  static int firstOfSettledWindows(List<PredictClient.Outcome> calls, int size, int v1) {
    int first = -1;
    for (int i = calls.size() - size; i >= 0; i--) {
      if (count(calls.subList(i, i + size), "v1") != v1) {
        break;
      }
      first = i;
    }
    return first;
  }

  private static int count(List<PredictClient.Outcome> calls, String backend) {
    return (int) calls.stream().filter(c -> backend.equals(c.backend())).count();
  }
}
