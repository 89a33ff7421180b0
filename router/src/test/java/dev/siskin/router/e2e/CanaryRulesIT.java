package dev.siskin.router.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.siskin.router.metrics.PrometheusTextParser;
import io.grpc.Metadata;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's canary rules end to end: two real model servers behind the real router jar, with
 * {@code routing { force-header = "x-canary-backend", sticky-header = "x-user-id" }} in canary.conf and the weights
 * moved by the real stage.sh (which keeps the routing block). A forced v2 at weight 0 serves only v2; an unknown
 * name is INVALID_ARGUMENT; 1,000 sticky keys each stay on one backend and move only towards v2 from 90/10 to
 * 50/50, and all to v1 on rollback; a bad force header in the file is rejected and the last good rules serve.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CanaryRulesIT {
  private static final Metadata.Key<String> FORCE = Metadata.Key.of("x-canary-backend", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> USER = Metadata.Key.of("x-user-id", Metadata.ASCII_STRING_MARSHALLER);
  private static final String ROUTING = """
      routing {
        force-header  = "x-canary-backend"
        sticky-header = "x-user-id"
      }
      """;
  private static final int KEYS = 1000;

  @TempDir
  static Path dir;
  private E2eCluster cluster;

  @BeforeAll
  void startCluster() throws Exception {
    cluster = E2eCluster.start("router-rules", dir.resolve("canary.conf"), 100, 0, Map.of(),
        (config, conf) -> Files.writeString(config, conf.render() + ROUTING));
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static Metadata header(Metadata.Key<String> key, String value) {
    Metadata headers = new Metadata();
    headers.put(key, value);
    return headers;
  }

  /** One Predict call per entry of {@code headers}, at most 16 at a time; the outcomes in the same order. */
  private List<PredictClient.Outcome> callEach(List<Metadata> headers) throws InterruptedException {
    Semaphore permits = new Semaphore(16);
    List<CompletableFuture<PredictClient.Outcome>> calls = new ArrayList<>();
    for (Metadata h : headers) {
      if (!permits.tryAcquire(60, TimeUnit.SECONDS)) {
        throw new AssertionError("no call closed within 60 s");
      }
      calls.add(cluster.client.start(PredictClient.SEED_REQUEST, h).whenComplete((o, e) -> permits.release()));
    }
    List<PredictClient.Outcome> outcomes = new ArrayList<>();
    for (CompletableFuture<PredictClient.Outcome> call : calls) {
      try {
        outcomes.add(call.get(60, TimeUnit.SECONDS));
      } catch (ExecutionException | TimeoutException e) {
        throw new AssertionError("a call did not close within 60 s", e);
      }
    }
    return outcomes;
  }

  /** Two calls per key user-0 ... user-999 (in two rounds); asserts each key stayed on one backend; key to backend. */
  private Map<String, String> placeKeys(String stage) throws InterruptedException {
    List<Metadata> headers = new ArrayList<>();
    for (int round = 0; round < 2; round++) {
      for (int k = 0; k < KEYS; k++) {
        headers.add(header(USER, "user-" + k));
      }
    }
    List<PredictClient.Outcome> outcomes = callEach(headers);
    Map<String, String> home = new HashMap<>();
    for (int i = 0; i < outcomes.size(); i++) {
      PredictClient.Outcome o = outcomes.get(i);
      String key = "user-" + (i % KEYS);
      assertThat(o.ok()).as("stage %s, %s: %s", stage, key, o).isTrue();
      assertThat(o.modelVersion()).as("stage %s: header and model_version", stage).startsWith(o.backend() + ".");
      String first = home.putIfAbsent(key, o.backend());
      assertThat(first == null ? o.backend() : first).as("stage %s: %s served by two backends", stage, key)
          .isEqualTo(o.backend());
    }
    return home;
  }

  private static long count(Map<String, String> placement, String backend) {
    return placement.values().stream().filter(backend::equals).count();
  }

  /** Binomial 5 sigma around n p: a correct router misses with probability 5.7e-7 per check. */
  private static void assertAbout(long observed, int n, double p, String what) {
    double sigma = Math.sqrt(n * p * (1 - p));
    assertThat((double) observed).as("%s: %d of %d, expected %.0f +- %.0f", what, observed, n, n * p, 5 * sigma)
        .isBetween(n * p - 5 * sigma, n * p + 5 * sigma);
  }

  /** The value of the samples named {@code sample} whose {@code label} is {@code value}; fails when there is none. */
  private double metric(String sample, String label, String value) throws Exception {
    List<PrometheusTextParser.Sample> found = cluster.admin().metrics().values().stream()
        .flatMap(f -> f.samples().stream())
        .filter(s -> s.name().equals(sample) && value.equals(s.labels().get(label))).toList();
    assertThat(found).as("samples %s{%s=\"%s\"}", sample, label, value).isNotEmpty();
    return found.stream().mapToDouble(PrometheusTextParser.Sample::value).sum();
  }

  @Test
  void aForcedV2AtWeightZeroServesOnlyV2AndTheOthersStayOnV1() throws Exception {
    cluster.stage("rollback"); // 100/0
    List<Metadata> headers = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      headers.add(i % 2 == 0 ? header(FORCE, "v2") : new Metadata());
    }

    List<PredictClient.Outcome> outcomes = callEach(headers);

    for (int i = 0; i < outcomes.size(); i++) {
      PredictClient.Outcome o = outcomes.get(i);
      assertThat(o.ok()).as(o.toString()).isTrue();
      String expected = i % 2 == 0 ? "v2" : "v1";
      assertThat(o.backend()).as("call %d: x-canary-backend", i).isEqualTo(expected);
      assertThat(o.modelVersion()).as("call %d: model_version", i).isEqualTo(expected + ".0.0");
    }
    System.out.printf("e2e rules: at weights 100/0, 100 calls forced to v2 all answered by v2 (v2.0.0), 100 "
        + "others all by v1%n");
  }

  @Test
  void anUnknownNameIsInvalidArgumentListingTheBackendsAndAnEmptyOneIsIgnored() throws Exception {
    cluster.stage("rollback");
    double unknownBefore = metric("siskin_router_force_header_unusable_total", "problem", "unknown-backend");
    double emptyBefore = metric("siskin_router_force_header_unusable_total", "problem", "empty");

    PredictClient.Outcome unknown = cluster.client.call(PredictClient.SEED_REQUEST, header(FORCE, "v3"));
    PredictClient.Outcome empty = cluster.client.call(PredictClient.SEED_REQUEST, header(FORCE, ""));

    assertThat(unknown.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(unknown.status().getDescription()).isEqualTo("siskin router: x-canary-backend: \"v3\" names no "
        + "backend (expected one of: v1, v2; or no x-canary-backend header to route by the weights)");
    assertThat(empty.ok()).as(empty.toString()).isTrue();
    assertThat(empty.backend()).isEqualTo("v1");
    assertThat(metric("siskin_router_force_header_unusable_total", "problem", "unknown-backend") - unknownBefore)
        .isEqualTo(1.0);
    assertThat(metric("siskin_router_force_header_unusable_total", "problem", "empty") - emptyBefore).isEqualTo(1.0);
    System.out.printf("e2e rules: x-canary-backend: v3 -> %s%n", unknown.status());
  }

  /**
   * 1,000 keys, two calls each, at 90/10, 50/50 and rollback: every key on one backend at each stage; about 10 %
   * of them on v2 at 90/10; from 90/10 to 50/50 keys move only from v1 to v2, about 40 % of them (binomial 5
   * sigma: 400 +- 77); rollback puts all on v1; back at 90/10 every key is where it was.
   */
  @Test
  void stickyKeysStayAndMoveOnlyTowardsTheCanary() throws Exception {
    cluster.stage("10");
    Map<String, String> at10 = placeKeys("10");
    assertAbout(count(at10, "v2"), KEYS, 0.1, "keys on v2 at 90/10");

    cluster.stage("50");
    Map<String, String> at50 = placeKeys("50");
    long moved = 0;
    for (Map.Entry<String, String> e : at10.entrySet()) {
      String now = at50.get(e.getKey());
      if (!now.equals(e.getValue())) {
        assertThat(e.getValue() + "->" + now).as("%s moved", e.getKey()).isEqualTo("v1->v2");
        moved++;
      }
    }
    assertAbout(moved, KEYS, 0.4, "keys moved from 90/10 to 50/50");
    assertAbout(count(at50, "v2"), KEYS, 0.5, "keys on v2 at 50/50");

    cluster.stage("rollback");
    Map<String, String> rolledBack = placeKeys("rollback");
    assertThat(count(rolledBack, "v1")).isEqualTo(KEYS);

    cluster.stage("10");
    assertThat(placeKeys("10 again")).isEqualTo(at10);
    JsonNode v2 = null;
    for (JsonNode b : cluster.admin().clusters().get("backends")) {
      if (b.get("name").asText().equals("v2")) {
        v2 = b;
      }
    }
    assertThat(v2.get("callsByRoute").get("sticky").asLong()).isPositive();
    System.out.printf("e2e rules: 1000 sticky keys, 2 calls each: at 90/10 %d on v2; to 50/50 %d moved, all "
        + "v1->v2 (%d on v2); rollback: all %d on v1; back at 90/10: every key where it was%n",
        count(at10, "v2"), moved, count(at50, "v2"), count(rolledBack, "v1"));
  }

  @Test
  void aBadForceHeaderIsRejectedWithLineAndReasonAndTheLastGoodRulesServe() throws Exception {
    cluster.stage("rollback");
    String good = Files.readString(cluster.config);
    long generation = cluster.admin().generation();
    String bad = good.replace("force-header  = \"x-canary-backend\"", "force-header  = \"X-Canary-Backend\"");
    assertThat(bad).isNotEqualTo(good);
    int line = List.of(bad.split("\n")).indexOf("  force-header  = \"X-Canary-Backend\"") + 1;
    try {
      WayOfWriting.tempFileAndRename(cluster.config, bad);
      JsonNode config = cluster.admin().awaitConfig(c -> !c.get("lastAttempt").get("ok").asBoolean(),
          Duration.ofSeconds(20), "the rejected routing block");

      assertThat(config.get("lastAttempt").get("error").asText()).isEqualTo(cluster.config + ":" + line
          + ": routing.force-header: \"X-Canary-Backend\" (expected: a lower-case header name such as \"x-user-id\", "
          + "or \"\" for off; header names are lower case in HTTP/2 and gRPC: write \"x-canary-backend\")");
      assertThat(config.get("generation").asLong()).isEqualTo(generation);
      assertThat(config.get("routing").get("forceHeader").asText()).isEqualTo("x-canary-backend");
      assertThat(cluster.client.call(PredictClient.SEED_REQUEST, header(FORCE, "v2")).backend()).isEqualTo("v2");
    } finally {
      WayOfWriting.tempFileAndRename(cluster.config, good);
      cluster.admin().awaitConfig(c -> c.get("lastAttempt").get("ok").asBoolean(), Duration.ofSeconds(20),
          "the restored file");
    }
  }
}
