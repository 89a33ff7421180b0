package dev.siskin.router.e2e;

import static dev.siskin.router.e2e.RolloutWatch.awaitRollout;
import static dev.siskin.router.e2e.RolloutWatch.kinds;
import static dev.siskin.router.e2e.RolloutWatch.rollout;
import static dev.siskin.router.e2e.RolloutWatch.state;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.siskin.router.testing.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real routers sharing one rollout (rollout.routers names both admin endpoints): all client calls go through
 * the follower, so the judge can decide only from the follower's calls; a failing v2 seen only by the follower is
 * rolled back by the judge, and both stop sending it calls; with the judge killed, the follower holds its step.
 */
class SharedRolloutIT {

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

  /** The judge (the lower admin port) and the follower, one config each that differs only in its own ports. */
  private record Pair(RouterJar judge, RouterJar follower) {}

  private Pair routers(String v1, String v2, String steps) throws Exception {
    int[] ports = FreePorts.pick(4);
    int judgeAdmin = Math.min(ports[1], ports[3]);
    int followerAdmin = Math.max(ports[1], ports[3]);
    String rollout = """
        rollout {
          enabled = true
          run-id = "shared-it"
          steps = %s
          step-time = 2s
          min-calls = 100
          stream-grace = 2s
          latency { baseline-calls = 100, margin = 4 }
          routers = ["127.0.0.1:%d", "127.0.0.1:%d"]
        }
        """.formatted(steps, followerAdmin, judgeAdmin);
    RouterJar judge = keep(start("router-judge", ports[0], judgeAdmin, v1, v2, rollout));
    RouterJar follower = keep(start("router-follower", ports[2], followerAdmin, v1, v2, rollout));
    return new Pair(judge, follower);
  }

  private RouterJar start(String name, int listen, int admin, String v1, String v2, String rollout) throws Exception {
    Path config = Files.createDirectories(dir.resolve(name)).resolve("canary.conf");
    return RouterJar.startAt(name, config, listen, admin, (l, a) -> Files.writeString(config, """
        router { listen = "127.0.0.1:%d", admin = "127.0.0.1:%d" }
        backends {
          v1 { target = "%s", weight = 100 }
          v2 { target = "%s", weight = 0 }
        }
        %s
        """.formatted(l, a, v1, v2, rollout)));
  }

  private PacedLoad load(RouterJar router, int rate) throws Exception {
    PredictClient client = new PredictClient(router.port());
    keep(() -> client.channel().shutdownNow().awaitTermination(10, TimeUnit.SECONDS));
    return keep(PacedLoad.start(client, IrisRows.all(), rate, 150));
  }

  @Test
  void theJudgePromotesV2FromTheFollowersCallsAndTheFollowerFollowsEveryStep() throws Exception {
    ModelServerJar v1 = keep(ModelServerJar.start("v1.0.0", Map.of()));
    ModelServerJar v2 = keep(ModelServerJar.start("v2.0.0", Map.of()));
    Pair pair = routers(v1.target(), v2.target(), "[10, 50, 100]");
    awaitRollout(pair.follower(), r -> r.get("peers").get("role").asText().equals("follower"), "follower");
    PacedLoad load = load(pair.follower(), 200);
    JsonNode judged = awaitRollout(pair.judge(), state("promoted").or(state("rolled-back")), "promoted");
    JsonNode followed = awaitRollout(pair.follower(), state("promoted").or(state("rolled-back")), "promoted");
    load.close();
    assertThat(judged.get("state").asText()).as(judged.toString()).isEqualTo("promoted");
    assertThat(judged.get("peers").get("role").asText()).isEqualTo("judge");
    JsonNode follower = judged.get("peers").get("followers").get(0);
    assertThat(follower.get("observationsTaken").asLong()).as(follower.toString()).isGreaterThanOrEqualTo(200);
    assertThat(followed.get("state").asText()).as(followed.toString()).isEqualTo("promoted");
    assertThat(kinds(followed)).as("the follower adopted each decision").contains("follow").doesNotContain("advance");
    assertThat(load.tally().failed()).as("failed client calls").isZero();
    Map<String, Double> series = new java.util.HashMap<>();
    pair.follower().admin().metrics().values().stream().flatMap(f -> f.samples().stream())
        .filter(x -> x.name().startsWith("siskin_router_rollout_"))
        .forEach(x -> series.put(x.name() + x.labels(), x.value()));
    assertThat(series).containsEntry("siskin_router_rollout_peer_role{role=follower}", 1.0)
        .containsEntry("siskin_router_rollout_peer_role{role=judge}", 0.0)
        .containsEntry("siskin_router_rollout_judge_reachable{}", 1.0);
    JsonNode weights = pair.follower().admin().config().get("backends");
    assertThat(weights.get(1).get("weight").asInt()).as("the follower routes by the judge's step").isEqualTo(100);
    System.out.printf("e2e shared rollout: promoted by the judge from %d follower observations; judge %s, follower %s;"
        + " %d client calls, 0 failed%n", follower.get("observationsTaken").asLong(), kinds(judged), kinds(followed),
        load.tally().total());
  }

  @Test
  void aFailingV2SeenOnlyByTheFollowerIsRolledBackByTheJudgeInBoth() throws Exception {
    ModelServerJar v1 = keep(ModelServerJar.start("v1.0.0", Map.of()));
    ModelServerJar v2 = keep(ModelServerJar.start("v2.0.0",
        Map.of("FAULT_ERROR_RATE", "0.2", "FAULT_ERROR_CODE", "INTERNAL", "FAULT_SEED", "5")));
    Pair pair = routers(v1.target(), v2.target(), "[10, 50, 100]");
    awaitRollout(pair.follower(), r -> r.get("peers").get("role").asText().equals("follower"), "follower");
    PacedLoad load = load(pair.follower(), 200);
    JsonNode judged = awaitRollout(pair.judge(), state("rolled-back").or(state("promoted")), "rolled-back");
    JsonNode followed = awaitRollout(pair.follower(), state("rolled-back").or(state("promoted")), "rolled-back");
    assertThat(judged.get("state").asText()).as(judged.toString()).isEqualTo("rolled-back");
    assertThat(followed.get("state").asText()).as(followed.toString()).isEqualTo("rolled-back");
    assertThat(followed.get("canaryPercent").asInt()).isZero();
    int failedAtRollback = load.tally().failed();
    Thread.sleep(2000);
    load.close();
    assertThat(load.tally().failed()).as("no failed call once the follower rolled back").isEqualTo(failedAtRollback);
    System.out.printf("e2e shared rollout errors: rolled back by the judge; %d of %d client calls failed before%n",
        failedAtRollback, load.tally().total());
  }

  @Test
  void withTheJudgeGoneTheFollowerHoldsItsStepAndKeepsServing() throws Exception {
    ModelServerJar v1 = keep(ModelServerJar.start("v1.0.0", Map.of()));
    ModelServerJar v2 = keep(ModelServerJar.start("v2.0.0", Map.of()));
    Pair pair = routers(v1.target(), v2.target(), "[10, 20, 30, 40, 50, 100]");
    awaitRollout(pair.follower(), r -> r.get("peers").get("role").asText().equals("follower"), "follower");
    PacedLoad load = load(pair.follower(), 200);
    JsonNode atStep = awaitRollout(pair.follower(), r -> r.get("step").asInt() >= 1, "step 1");
    pair.judge().close();
    int step = awaitRollout(pair.follower(), r -> !r.get("peers").get("judgeProblem").asText().isEmpty(), "judge away")
        .get("step").asInt();
    Thread.sleep(8000); // four step times: a router that decided alone would have advanced
    JsonNode held = rollout(pair.follower());
    load.close();
    assertThat(held.get("state").asText()).isEqualTo("running");
    assertThat(held.get("step").asInt()).as(held.toString()).isEqualTo(step);
    assertThat(load.tally().failed()).as("failed client calls").isZero();
    System.out.printf("e2e shared rollout judge gone: follower held step %d (reached %d before) for 8 s; %s%n",
        step, atStep.get("step").asInt(), held.get("peers").get("judgeProblem").asText());
  }
}
