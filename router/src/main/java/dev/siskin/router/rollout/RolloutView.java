package dev.siskin.router.rollout;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.config.RolloutSettings;
import dev.siskin.router.rollout.judge.JudgeReport;
import dev.siskin.router.rollout.peers.PeersView;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The rollout at one moment, for /canary, /config, metrics and stage.sh.
 *
 * @param plan    the plan of the config in force
 * @param state   the run, or null when no rollout ever ran in this router
 * @param report  the judge's report on the current step, or once the rollout ended its last report; null before
 *                any
 * @param reportStep the step {@code report} judged (after a promotion: the step before the last)
 * @param waiting what the current step waits for before it may advance ("" when nothing or not running)
 * @param now     when this view was taken
 * @param decisionsTotal decisions this router made since start, by kind (the history keeps only the last ones)
 * @param peers   the routers sharing the rollout, as this one sees them
 */
public record RolloutView(RolloutSettings plan, RolloutState state, JudgeReport report, int reportStep,
    String waiting, Instant now, Map<String, Long> decisionsTotal, PeersView peers) {
  public RolloutView {
    decisionsTotal = Map.copyOf(decisionsTotal);
    requireNonNull(peers, "peers");
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

  /** Time in the current step; for a rollout that ended, until it ended. */
  public Duration timeInStep() {
    if (state == null) {
      return Duration.ZERO;
    }
    Instant until = phase() == RolloutPhase.RUNNING || phase() == RolloutPhase.PAUSED || state.lastDecision() == null
        ? now : state.lastDecision().at();
    Duration inStep = Duration.between(state.stepStartedAt(), until);
    return inStep.isNegative() ? Duration.ZERO : inStep;
  }
}
