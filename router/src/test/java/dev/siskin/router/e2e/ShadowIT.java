package dev.siskin.router.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.siskin.proto.v1.PredictRequest;
import dev.siskin.proto.v1.PredictResponse;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shadow traffic and the prediction comparison with the real jars: v1 serves every call, v2 (weight 0) gets a
 * copy of each Predict, and /canary reports what the two answered. The comparison over the 150 rows of
 * data/iris.csv must equal what calling v1 and v2 directly gives.
 */
class ShadowIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private final List<AutoCloseable> started = new ArrayList<>();

  @AfterEach
  void stopAll() throws Exception {
    for (int i = started.size() - 1; i >= 0; i--) {
      started.get(i).close();
    }
  }

  private record Cluster(ModelServerJar v1, ModelServerJar v2, RouterJar router, ManagedChannel channel) {}

  private Cluster start(Map<String, String> v2Env) throws Exception {
    ModelServerJar v1 = ModelServerJar.start("v1.0.0", Map.of());
    started.add(v1);
    ModelServerJar v2 = ModelServerJar.start("v2.0.0", v2Env);
    started.add(v2);
    Path config = dir.resolve("canary.conf");
    RouterJar router = RouterJar.start("router-shadow", config, (listen, admin) -> Files.writeString(config, """
        router { listen = "127.0.0.1:%d", admin = "127.0.0.1:%d" }
        backends {
          v1 { target = "%s", weight = 100 }
          v2 { target = "%s", weight = 0 }
        }
        shadow { backend = v2 }
        """.formatted(listen, admin, v1.target(), v2.target())));
    started.add(router);
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", router.port(),
        InsecureChannelCredentials.create()).build();
    started.add(() -> channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS));
    // Copies go only to a routable shadow: wait until the health checks have seen both up, or a loaded machine's
    // slow first check would turn the first copies into skips.
    Awaitility.await().atMost(WAIT).untilAsserted(() -> {
      JsonNode clusters = router.admin().clusters();
      for (JsonNode b : clusters.get("backends")) {
        assertThat(b.path("health").path("state").asText()).as(b.toString()).isEqualTo("healthy");
      }
    });
    return new Cluster(v1, v2, router, channel);
  }


  /** Calls Predict and returns the answer with the backend the router named in x-canary-backend. */
  private static PredictResponse predict(ManagedChannel channel, PredictRequest request, AtomicReference<String> servedBy) {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    var stub = PredictionServiceGrpc.newBlockingStub(ClientInterceptors.intercept(channel,
        MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>())))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
    PredictResponse response = stub.predict(request);
    servedBy.set(headers.get() == null ? null : headers.get().get(PredictClient.BACKEND_HEADER));
    return response;
  }

  private static PredictResponse direct(ModelServerJar server, PredictRequest request) throws Exception {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(),
        InsecureChannelCredentials.create()).build();
    try {
      return PredictionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).predict(request);
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theComparisonOverIrisEqualsCallingBothVersionsDirectly() throws Exception {
    Cluster c = start(Map.of());
    List<PredictRequest> rows = IrisRows.all();
    Map<String, Long> expectedFlips = new HashMap<>();
    long expectedAgreed = 0;
    for (PredictRequest row : rows) {
      String p1 = direct(c.v1(), row).getPrediction();
      String p2 = direct(c.v2(), row).getPrediction();
      expectedFlips.merge(p1 + "->" + p2, 1L, Long::sum);
      expectedAgreed += p1.equals(p2) ? 1 : 0;
    }

    AtomicReference<String> servedBy = new AtomicReference<>();
    for (PredictRequest row : rows) {
      PredictResponse answer = predict(c.channel(), row, servedBy);
      assertThat(servedBy.get()).isEqualTo("v1");
      assertThat(answer.getModelVersion()).isEqualTo("v1.0.0");
    }

    JsonNode shadow = awaitCompared(c.router(), 150);
    assertThat(shadow.get("agreed").asLong()).isEqualTo(expectedAgreed);
    Map<String, Long> flips = new HashMap<>();
    shadow.get("flips").forEach(f -> flips.put(f.get("primary").asText() + "->" + f.get("shadow").asText(),
        f.get("count").asLong()));
    assertThat(flips).isEqualTo(expectedFlips);
    JsonNode disagreements = c.router().admin().json("/canary/disagreements");
    assertThat(disagreements.get("kept").asLong()).isEqualTo(150 - expectedAgreed);
    System.out.printf("e2e shadow over iris.csv: %d compared, %d agreed, flips %s%n", 150, expectedAgreed, flips);
    // The served class distribution counts only what the client got: v1's answers, no shadow's.
    JsonNode classes = c.router().admin().json("/canary").get("classes").get("backends");
    assertThat(classes.has("v2")).isFalse();
    long served = 0;
    for (JsonNode n : (Iterable<JsonNode>) () -> classes.get("v1").get("byClass").elements()) {
      served += n.asLong();
    }
    assertThat(served).isEqualTo(150);
  }

  @Test
  void aV2ThatAnswersWrongOnPurposeShowsAboutThatShareOfFlips() throws Exception {
    Cluster c = start(Map.of("FAULT_WRONG_RATE", "0.3", "FAULT_SEED", "7"));
    List<PredictRequest> rows = IrisRows.all();
    AtomicReference<String> servedBy = new AtomicReference<>();
    for (int round = 0; round < 2; round++) {
      for (PredictRequest row : rows) {
        predict(c.channel(), row, servedBy);
        assertThat(servedBy.get()).isEqualTo("v1");
      }
    }
    JsonNode shadow = awaitCompared(c.router(), 300);
    double flipped = 1 - shadow.get("agreed").asDouble() / shadow.get("compared").asDouble();
    // 0.3 wrong answers plus the one row where the models differ anyway (1 in 150, or its wrong answer agreeing by
    // chance): expected about 0.30. Binomial sd at n = 300 is 0.026; 5 sd either way.
    assertThat(flipped).isBetween(0.17, 0.43);
    System.out.printf("e2e shadow with FAULT_WRONG_RATE=0.3: %.3f of %d pairs disagree%n", flipped,
        shadow.get("compared").asLong());
  }

  @Test
  void aShadowKilledDuringShadowingFailsNoClientCallAndIsCounted() throws Exception {
    Cluster c = start(Map.of());
    List<PredictRequest> rows = IrisRows.all();
    AtomicReference<String> servedBy = new AtomicReference<>();
    int failed = 0;
    for (int i = 0; i < 600; i++) {
      if (i == 200) {
        c.v2().process().sigkill();
      }
      try {
        predict(c.channel(), rows.get(i % rows.size()), servedBy);
        assertThat(servedBy.get()).isEqualTo("v1");
      } catch (StatusRuntimeException e) {
        failed++;
      }
    }
    assertThat(failed).as("client calls that failed").isZero();
    Awaitility.await().atMost(WAIT).untilAsserted(() -> {
      JsonNode shadow = c.router().admin().json("/canary").get("shadow");
      long failures = shadow.get("shadowFailures").asLong();
      long unavailable = shadow.get("skipped").get("backend_unavailable").asLong();
      assertThat(failures + unavailable).as(shadow.toString()).isGreaterThan(0);
      assertThat(shadow.get("pairs").asLong() + unavailable).as(shadow.toString()).isEqualTo(600);
    });
  }

  @Test
  void aShadowThatHangsNeitherDelaysNorFailsAClientCallAndComparisonsResumeWhenItWakes() throws Exception {
    Cluster c = start(Map.of());
    List<PredictRequest> rows = IrisRows.all();
    AtomicReference<String> servedBy = new AtomicReference<>();
    for (int i = 0; i < 50; i++) {
      predict(c.channel(), rows.get(i % rows.size()), servedBy);
    }
    // The copies go out after their primaries end: the last may still be on its way, and would hang too.
    awaitCompared(c.router(), 50);
    c.v2().process().sigstop(); // the shadow hangs: its port still accepts, nothing answers
    int failed = 0;
    long slowestNanos = 0;
    for (int i = 0; i < 300; i++) {
      long start = System.nanoTime();
      try {
        predict(c.channel(), rows.get(i % rows.size()), servedBy);
        assertThat(servedBy.get()).isEqualTo("v1");
      } catch (StatusRuntimeException e) {
        failed++;
      }
      slowestNanos = Math.max(slowestNanos, System.nanoTime() - start);
    }
    assertThat(failed).as("client calls that failed while the shadow hung").isZero();
    // A primary that waited for its copy would wait out the 10 s deadline and fail; a loaded machine's own pauses
    // stay far below this.
    assertThat(Duration.ofNanos(slowestNanos)).as("slowest client call while the shadow hung")
        .isLessThan(Duration.ofSeconds(3));
    // The hung copies end by the primary's deadline (10 s), or when health checks and keepalive give up on v2;
    // later copies are skipped: every one of the 300 is accounted for, none compared.
    Awaitility.await().atMost(WAIT).untilAsserted(() -> {
      JsonNode shadow = c.router().admin().json("/canary").get("shadow");
      long skipped = 0;
      for (JsonNode count : (Iterable<JsonNode>) () -> shadow.get("skipped").elements()) {
        skipped += count.asLong();
      }
      assertThat(shadow.get("compared").asLong()).as(shadow.toString()).isEqualTo(50);
      assertThat(shadow.get("shadowFailures").asLong() + skipped).as(shadow.toString()).isEqualTo(300);
    });
    System.out.printf("e2e shadow hung by SIGSTOP: 300 client calls, 0 failed, slowest %.1f ms; %s%n",
        slowestNanos / 1e6, c.router().admin().json("/canary").get("shadow").get("skipped"));

    c.v2().process().sigcont();
    Awaitility.await().atMost(WAIT).untilAsserted(() -> {
      predict(c.channel(), rows.get(0), servedBy);
      assertThat(c.router().admin().json("/canary").get("shadow").get("compared").asLong()).isGreaterThan(50);
    });
  }

  /**
   * Waits until every one of {@code n} selected calls is accounted for (a pair recorded or a copy skipped), then
   * requires all of them compared: a skip would make the counts unequal to the direct calls, and says why.
   */
  private static JsonNode awaitCompared(RouterJar router, long n) throws Exception {
    AtomicReference<JsonNode> last = new AtomicReference<>();
    Awaitility.await().atMost(WAIT).until(() -> {
      last.set(router.admin().json("/canary").get("shadow"));
      long skipped = 0;
      for (JsonNode count : (Iterable<JsonNode>) () -> last.get().get("skipped").elements()) {
        skipped += count.asLong();
      }
      return last.get().get("pairs").asLong() + skipped >= n;
    });
    assertThat(last.get().get("compared").asLong()).as(last.get().toString()).isEqualTo(n);
    return last.get();
  }
}
