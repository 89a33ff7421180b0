package dev.siskin.router.rollout.peers;

import dev.siskin.router.rollout.RolloutPhase;
import java.time.Instant;

/**
 * A router's rollout as its {@code /rollout/peer} answers it: who it is, whom it follows, and where its rollout
 * stands. What a follower adopts from the judge.
 *
 * @param instance      the router process's random id (a restarted router has a new one)
 * @param role          {@code alone}, {@code judge} or {@code follower}
 * @param judge         the address it takes for the judge ("" when alone)
 * @param runId         the run it is in ("" when none)
 * @param phase         its phase
 * @param step          its step index
 * @param stepStartedAt when its step began
 * @param decision      its last decision's kind ("" when none)
 * @param reason        its last decision's reason ("" when none)
 */
public record RemoteRollout(String instance, String role, String judge, String runId, RolloutPhase phase, int step,
    Instant stepStartedAt, String decision, String reason) {}
