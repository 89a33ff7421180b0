package dev.siskin.router.rollout;

import dev.siskin.router.config.RolloutSettings;
import dev.siskin.router.rollout.judge.JudgeReport;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The rollout at one moment, for /canary, /config, metrics and stage.sh.
 *
 * @param plan    the plan of the config in force
 * @param state   the run, or null when no rollout ever ran in this router
 * @param report  the judge's last report on the current step, or null (no step being judged)
 * @param waiting what the current step waits for before it may advance ("" when nothing or not running)
 * @param now     when this view was taken
 * @param decisionsTotal decisions this router made since start, by kind (the history keeps only the last ones)
 */
public record RolloutView(RolloutSettings plan, RolloutState state, JudgeReport report, String waiting,
    Instant now, Map<String, Long> decisionsTotal) {
  public RolloutView {
    decisionsTotal = Map.copyOf(decisionsTotal);
  }

  /** The phase: {@link RolloutPhase#DISABLED} when no rollout runs. */
  public RolloutPhase phase() {
    return state == null ? RolloutPhase.DISABLED : state.phase();
  }

  /** The current step's index (0 when none). */
  public int step() {
    return state == null ? 0 : state.step();
  }

  /** The canary's share of served calls the rollout sets now, percent; null when it sets none. */
  public Integer canaryPercent() {
    RolloutPhase phase = phase();
    if (!phase.setsWeights()) {
      return null;
    }
    return phase == RolloutPhase.ROLLED_BACK ? 0 : RolloutWeights.stepInForce(plan, state).canaryPercent();
  }

  /** Time in the current step. */
  public Duration timeInStep() {
    return state == null ? Duration.ZERO : Duration.between(state.stepStartedAt(), now);
  }
}
