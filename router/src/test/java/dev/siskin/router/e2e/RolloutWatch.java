package dev.siskin.router.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Reads a router's automated rollout from its /canary and waits for it, for the rollout end-to-end tests. */
final class RolloutWatch {
  /** Long enough for a whole rollout of steps of seconds on a loaded 2-core machine. */
  static final Duration WAIT = Duration.ofSeconds(100);

  private RolloutWatch() {}

  static JsonNode rollout(RouterJar router) throws Exception {
    return router.admin().json("/canary").get("rollout");
  }

  /** Polls /canary until the rollout matches {@code done}; fails with the last answer after {@link #WAIT}. */
  static JsonNode awaitRollout(RouterJar router, Predicate<JsonNode> done, String what) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    JsonNode last = rollout(router);
    while (!done.test(last)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(router + ": rollout did not reach " + what + " within " + WAIT + "; last: " + last);
      }
      Thread.sleep(200);
      last = rollout(router);
    }
    return last;
  }

  static Predicate<JsonNode> state(String state) {
    return r -> r.get("state").asText().equals(state);
  }

  /** The kinds of the rollout's decisions, oldest first. */
  static List<String> kinds(JsonNode rollout) {
    List<String> kinds = new ArrayList<>();
    rollout.get("history").forEach(d -> kinds.add(d.get("kind").asText()));
    return kinds;
  }
}
