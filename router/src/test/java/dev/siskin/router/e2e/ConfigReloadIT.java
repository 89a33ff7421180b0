package dev.siskin.router.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.siskin.router.metrics.PrometheusTextParser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3's reload tests against the real jars: the router watches {@code dir/canary.conf}, laid out as a
 * Kubernetes ConfigMap mount, while every way of writing it takes its turn under load; then invalid
 * versions of every kind, which must never stop routing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConfigReloadIT {
  private static final String[] STAGES = {"10", "50", "90", "100", "rollback"};

  @TempDir
  static Path dir;
  private E2eCluster cluster;

  @BeforeAll
  void startCluster() throws Exception {
    cluster = E2eCluster.start("router-reload", dir.resolve("canary.conf"), 50, 50, Map.of(),
        WayOfWriting::createConfigMap);
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * 100 rewrites, alternating stages, the five ways of writing in turn, while 8 threads send Predict
   * without pause. Each rewrite is applied exactly once (generation +1, never an intermediate version),
   * no call fails, and afterwards the split is the last stage's.
   */
  @Test
  void hundredRewritesInEveryWayUnderLoadFailNoCall() throws Exception {
    WayOfWriting[] ways = WayOfWriting.values();
    Map<WayOfWriting, List<Double>> applyMillis = new EnumMap<>(WayOfWriting.class);
    double failedReloadsBefore = failedReloads();
    String lastStage = null;
    LoadThreads load = LoadThreads.start(cluster.client, 8, false, false, 300);
    try {
      load.awaitCalls(200, 30_000);
      for (int i = 0; i < 100; i++) {
        WayOfWriting way = ways[i % ways.length];
        String stage = STAGES[(i + i / ways.length) % STAGES.length]; // never the same stage twice in a row
        int[] w = StageScript.weights(stage);
        long generation = cluster.admin().generation();
        way.write(cluster.config, cluster.conf(w[0], w[1]), stage);
        long written = System.nanoTime();
        JsonNode applied = cluster.admin().awaitConfig(
            c -> c.get("generation").asLong() > generation && E2eCluster.hasWeights(c, w[0], w[1]),
            Duration.ofSeconds(15), "write " + i + " (" + way + ", stage " + stage + ")");
        applyMillis.computeIfAbsent(way, k -> new ArrayList<>()).add((System.nanoTime() - written) / 1e6);
        assertThat(applied.get("generation").asLong()).as("write %d (%s): applied once", i, way)
            .isEqualTo(generation + 1);
        assertThat(applied.get("lastAttempt").get("ok").asBoolean()).as(applied.toString()).isTrue();
        lastStage = stage;
      }
    } finally {
      load.stopAndJoin();
    }
    Tally underLoad = load.tally();
    assertThat(underLoad.failed()).as(underLoad.toString()).isZero();
    assertThat(underLoad.mismatched()).as(underLoad.toString()).isZero();
    assertThat(failedReloads()).as("rejected reloads (a half-written file seen)").isEqualTo(failedReloadsBefore);

    int[] w = StageScript.weights(lastStage);
    Tally after = cluster.client.run(1000, 8, PredictClient.SEED_REQUEST);
    assertThat(after.failed()).as(after.toString()).isZero();
    assertThat(after.byHeader("v1")).as("stage %s: %s", lastStage, after)
        .isBetween(10 * w[0] - 10, 10 * w[0] + 10);
    assertThat(after.byModelVersion("v2.0.0")).as("stage %s: %s", lastStage, after)
        .isBetween(10 * w[1] - 10, 10 * w[1] + 10);

    System.out.printf("e2e reload under load: 100 writes, %s; then stage %s over 1000 calls: %s%n",
        underLoad.summary(), lastStage, after.summary());
    applyMillis.forEach((way, ms) -> System.out.printf("e2e reload under load: %-22s write -> /config shows it: "
        + "median %.0f ms, max %.0f ms (%d writes)%n", way, median(ms), ms.stream().mapToDouble(d -> d).max()
        .orElse(0), ms.size()));
  }

  /**
   * Every kind of invalid file, one after another while 4 threads send calls: each is rejected and shown
   * in /config (lastAttempt.ok false, the error with file:line) while the generation in force stays; one
   * ERROR line per bad version; no call fails; the next valid file applies.
   */
  @Test
  void invalidConfigsNeverStopRoutingAndTheNextValidOneApplies() throws Exception {
    CanaryConf valid = cluster.conf(50, 50);
    JsonNode good = applyGood(valid);
    long generation = good.get("generation").asLong();
    double failedReloadsBefore = failedReloads();
    long errorLinesBefore = rejectionLines();
    List<InvalidConfigs.Invalid> kinds = InvalidConfigs.from(valid.render());

    LoadThreads load = LoadThreads.start(cluster.client, 4, false, false, 300);
    try {
      load.awaitCalls(100, 30_000);
      String previousAttempt = good.get("lastAttempt").get("at").asText();
      for (InvalidConfigs.Invalid invalid : kinds) {
        if (invalid.kind().startsWith("half-written")) {
          WayOfWriting.inPlace(cluster.config, invalid.text());
        } else {
          WayOfWriting.tempFileAndRename(cluster.config, invalid.text());
        }
        String since = previousAttempt;
        JsonNode rejected = cluster.admin().awaitConfig(c -> !c.get("lastAttempt").get("at").asText().equals(since),
            Duration.ofSeconds(15), "the rejection of: " + invalid);
        JsonNode attempt = rejected.get("lastAttempt");
        System.out.printf("e2e invalid config %-34s -> %s%n", invalid.kind(), attempt.get("error").asText());
        assertThat(attempt.get("ok").asBoolean()).as(invalid.kind()).isFalse();
        assertThat(attempt.get("error").asText()).as(invalid.kind())
            .containsPattern("canary\\.conf:\\d+: ").contains(invalid.namedInError());
        assertThat(rejected.get("generation").asLong()).as(invalid.kind()).isEqualTo(generation);
        assertThat(E2eCluster.hasWeights(rejected, 50, 50)).as(invalid.kind()).isTrue();
        previousAttempt = attempt.get("at").asText();
      }
      WayOfWriting.TEMP_FILE_AND_RENAME.write(cluster.config, valid.withWeights(10, 90), "90");
      JsonNode applied = cluster.admin().awaitConfig(c -> c.get("generation").asLong() > generation,
          Duration.ofSeconds(15), "the valid file after the invalid ones");
      assertThat(applied.get("generation").asLong()).isEqualTo(generation + 1);
      assertThat(E2eCluster.hasWeights(applied, 10, 90)).as(applied.toString()).isTrue();
      assertThat(applied.get("lastAttempt").get("ok").asBoolean()).isTrue();
    } finally {
      load.stopAndJoin();
    }
    assertThat(load.tally().failed()).as(load.tally().toString()).isZero();
    assertThat(failedReloads() - failedReloadsBefore).isEqualTo(kinds.size());
    assertThat(rejectionLines() - errorLinesBefore).as("ERROR lines, one per bad version")
        .isEqualTo(kinds.size());
    Tally after = cluster.client.run(1000, 8, PredictClient.SEED_REQUEST);
    assertThat(after.failed()).isZero();
    assertThat(after.byHeader("v2")).as(after.toString()).isBetween(890, 910);
    System.out.printf("e2e invalid configs: %d kinds rejected under load (%s), then 10/90 applied: %s%n",
        kinds.size(), load.tally().summary(), after.summary());
  }

  /**
   * Issue 11: an operator breaks a weight, then puts the original file back. The restored file is a good
   * reload attempt though it changes nothing: /config says ok again, last_reload_successful is 1 again (an
   * alert on it stops firing), the generation in force stays, and the log says the error is cleared.
   */
  @Test
  void aFileRestoredAfterARejectedEditClearsTheError() throws Exception {
    CanaryConf original = cluster.conf(50, 50);
    JsonNode good = applyGood(original);
    long generation = good.get("generation").asLong();

    WayOfWriting.tempFileAndRename(cluster.config, original.withWeights(50, -5).render());
    JsonNode rejected = cluster.admin().awaitConfig(c -> !c.get("lastAttempt").get("ok").asBoolean(),
        Duration.ofSeconds(15), "the rejection of weight -5");
    assertThat(rejected.get("lastAttempt").get("error").asText()).contains("weight: -5");
    assertThat(lastReloadSuccessful()).isEqualTo(0.0);

    WayOfWriting.tempFileAndRename(cluster.config, original.render());
    JsonNode restored = cluster.admin().awaitConfig(c -> c.get("lastAttempt").get("ok").asBoolean(),
        Duration.ofSeconds(15), "the restored file counted as a good attempt");
    assertThat(restored.get("lastAttempt").get("error").isNull()).as(restored.toString()).isTrue();
    assertThat(restored.get("generation").asLong()).isEqualTo(generation);
    assertThat(lastReloadSuccessful()).isEqualTo(1.0);
    assertThat(cluster.router.process().output()).contains("is valid again and equals the config in force");
  }

  /**
   * Issue 15: a canary.conf written for the router that still had the grpc-java core keeps loading. Its obsolete
   * keys (router.forwarding, max-message-bytes, message-memory) are accepted and ignored, the rest of the edit
   * applies, and the log names each key once, as a WARN saying it is obsolete and why.
   */
  @Test
  void theObsoleteKeysOfTheRemovedGrpcCoreReloadWithAWarningEach() throws Exception {
    applyGood(cluster.conf(50, 50));
    long generation = cluster.admin().config().get("generation").asLong();
    CanaryConf old = cluster.conf(30, 70).withRouterKey("forwarding", "\"grpc\"")
        .withRouterKey("max-message-bytes", "4 MiB").withRouterKey("message-memory", "0");

    WayOfWriting.tempFileAndRename(cluster.config, old.render());
    JsonNode applied = cluster.admin().awaitConfig(c -> c.get("generation").asLong() > generation
        && E2eCluster.hasWeights(c, 30, 70), Duration.ofSeconds(15), "30/70 with the obsolete keys");
    assertThat(applied.get("lastAttempt").get("ok").asBoolean()).isTrue();
    assertThat(applied.get("router").has("forwarding")).isFalse();
    for (String key : List.of("forwarding", "max-message-bytes", "message-memory")) {
      assertThat(cluster.router.process().output().lines()
          .filter(line -> line.contains("WARN") && line.contains("router." + key + " = ")
              && line.contains("obsolete and ignored")))
          .as("one WARN for router.%s", key).hasSize(1);
    }
    applyGood(cluster.conf(50, 50));
  }

  /** Writes a 50/50 config and waits until /config shows it in force with a good last attempt. */
  private JsonNode applyGood(CanaryConf fiftyFifty) throws Exception {
    WayOfWriting.TEMP_FILE_AND_RENAME.write(cluster.config, fiftyFifty, "50");
    return cluster.admin().awaitConfig(c -> E2eCluster.hasWeights(c, 50, 50)
        && c.get("lastAttempt").get("ok").asBoolean(), Duration.ofSeconds(15), "50/50");
  }

  private double lastReloadSuccessful() throws Exception {
    return cluster.admin().metrics().values().stream().flatMap(f -> f.samples().stream())
        .filter(s -> s.name().equals("siskin_router_config_last_reload_successful"))
        .mapToDouble(PrometheusTextParser.Sample::value).findFirst().orElseThrow();
  }

  private double failedReloads() throws Exception {
    return cluster.admin().metrics().values().stream().flatMap(f -> f.samples().stream())
        .filter(s -> s.name().equals("siskin_router_config_reloads_total") && "failed".equals(s.labels().get("result")))
        .mapToDouble(PrometheusTextParser.Sample::value).sum();
  }

  private long rejectionLines() {
    return cluster.router.process().output().lines()
        .filter(line -> line.contains("ERROR") && line.contains("Config rejected")).count();
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }
}
