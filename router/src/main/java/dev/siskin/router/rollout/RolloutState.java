package dev.siskin.router.rollout;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One immutable snapshot of a rollout: which run, its phase and step, since when, and what it decided. The
 * controller swaps whole snapshots; readers (routing overlay, admin, metrics) never see half a transition.
 *
 * @param runId         the rollout's {@code run-id}
 * @param phase         where it stands
 * @param step          index into the plan's steps
 * @param startedAt     when the run began
 * @param stepStartedAt when the current step began (or resumed after a restart: its evidence starts afresh)
 * @param history       the decisions, oldest first, at most {@link #MAX_HISTORY}
 */
public record RolloutState(String runId, RolloutPhase phase, int step, Instant startedAt, Instant stepStartedAt,
    List<Decision> history) {
  /** Decisions kept; older ones are dropped (the log has them all). */
  public static final int MAX_HISTORY = 100;

  public RolloutState {
    requireNonNull(runId, "runId");
    requireNonNull(phase, "phase");
    requireNonNull(startedAt, "startedAt");
    requireNonNull(stepStartedAt, "stepStartedAt");
    history = List.copyOf(history.size() > MAX_HISTORY ? history.subList(history.size() - MAX_HISTORY,
        history.size()) : history);
    if (step < 0) {
      throw new IllegalArgumentException("step: " + step);
    }
  }

  /** This state after {@code decision}: in {@code next} phase at step {@code decision.toStep()}. */
  public RolloutState after(Decision decision, RolloutPhase next, boolean newStep) {
    List<Decision> more = new ArrayList<>(history);
    more.add(decision);
    return new RolloutState(runId, next, decision.toStep(), startedAt,
        newStep ? decision.at() : stepStartedAt, more);
  }

  /** The last decision, or null. */
  public Decision lastDecision() {
    return history.isEmpty() ? null : history.get(history.size() - 1);
  }
}
