package dev.siskin.router.config;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code rollout { }} block of canary.conf: the plan by which the router itself moves the canary through its
 * steps, and the limits its judge holds it to. See docs/rollout.md.
 *
 * @param enabled        whether the router runs the plan (else the weights of the file are in force)
 * @param runId          names one rollout: a new value starts a new one from its first step ({@code stage.sh auto}
 *                       writes one); the same value after a restart resumes where the state file says
 * @param paused         the judge keeps watching but decides nothing ({@code stage.sh pause|resume})
 * @param baseline       the backend the canary is compared with; serves what the canary does not
 * @param canary         the backend being rolled out
 * @param steps          the canary's share of served calls per step, in order; the last is 100
 * @param stepTime       least time in a step before it may advance
 * @param minCalls       least canary calls in a step (served, or compared in the shadow step) before it may advance
 * @param stateFile      where the rollout's state is kept across restarts; "" = beside the config file
 * @param streamGrace    after a rollback, how long the canary's calls still running may go on before they are ended
 * @param alpha          the false-rollback budget of one rollout, split over the gates
 * @param failureCodes   the status codes that count as a failed call
 * @param errorMargin    the canary may fail this many times as often as the baseline before the error gate rejects
 * @param maxFailurePercent the canary's failure rate that rejects on its own, whatever the baseline does
 * @param latencyQuantile the baseline quantile frozen as the "slow" threshold
 * @param latencyBaselineCalls baseline calls of a step the threshold is frozen from
 * @param latencySlack   added to the frozen quantile, so that tiny latencies do not make every jitter slow
 * @param latencyMargin  the canary may be slow this many times as often as the baseline
 * @param latencyWarmupCalls the canary's first calls of the rollout the latency gate leaves out (its warm-up)
 * @param maxP99         the canary's p99 limit (at most 1 % of its calls slower); zero = off
 * @param maxDisagreementPercent shadow answers differing from the baseline's above this rate reject
 * @param shadowPercent  share of the selected calls mirrored to the canary in the shadow step
 * @param routers        the admin endpoints of every router sharing this rollout ("host:port", or one
 *                       "dns:///name:port"); empty = this router judges alone
 * @param peerPoll       how often the judge fetches the followers' calls and the followers read the judge's step
 */
public record RolloutSettings(boolean enabled, String runId, boolean paused, String baseline, String canary,
    List<Step> steps, Duration stepTime, long minCalls, String stateFile, Duration streamGrace, double alpha,
    Set<Status.Code> failureCodes, double errorMargin, double maxFailurePercent, double latencyQuantile,
    int latencyBaselineCalls, Duration latencySlack, double latencyMargin, int latencyWarmupCalls, Duration maxP99,
    double maxDisagreementPercent, double shadowPercent, List<String> routers, Duration peerPoll) {
  /** One step: the canary's share of served calls, or the shadow step (0 % served, calls mirrored to it). */
  public record Step(int canaryPercent, boolean shadow) {
    public static final Step SHADOW = new Step(0, true);

    public Step {
      if (canaryPercent < 0 || canaryPercent > 100 || (shadow && canaryPercent != 0)) {
        throw new IllegalArgumentException("step: " + canaryPercent + (shadow ? " (shadow)" : ""));
      }
    }

    public static Step percent(int canaryPercent) {
      return new Step(canaryPercent, false);
    }

    /** How canary.conf and /canary spell it: {@code shadow} or the percent. */
    public String label() {
      return shadow ? "shadow" : Integer.toString(canaryPercent);
    }
  }

  public RolloutSettings {
    requireNonNull(runId, "runId");
    requireNonNull(baseline, "baseline");
    requireNonNull(canary, "canary");
    steps = List.copyOf(steps);
    if (steps.isEmpty() || steps.get(steps.size() - 1).canaryPercent() != 100) {
      throw new IllegalArgumentException("steps: " + steps + " (expected: ending with 100)");
    }
    requireNonNull(stepTime, "stepTime");
    requireNonNull(stateFile, "stateFile");
    requireNonNull(streamGrace, "streamGrace");
    failureCodes = failureCodes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(failureCodes));
    requireNonNull(latencySlack, "latencySlack");
    requireNonNull(maxP99, "maxP99");
    routers = List.copyOf(routers);
    requireNonNull(peerPoll, "peerPoll");
  }

  /** Whether several routers share this rollout (one judges, the others follow). */
  public boolean shared() {
    return !routers.isEmpty();
  }

  /** The steps of reference.conf. */
  public static final List<Step> DEFAULT_STEPS =
      List.of(Step.SHADOW, Step.percent(10), Step.percent(50), Step.percent(90), Step.percent(100));

  /** The default block: no rollout. */
  public static final RolloutSettings OFF = new RolloutSettings(false, "", false, "v1", "v2", DEFAULT_STEPS,
      Duration.ofSeconds(60), 300, "", Duration.ofSeconds(10), 0.01,
      EnumSet.of(Status.Code.UNKNOWN, Status.Code.INTERNAL, Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED,
          Status.Code.DATA_LOSS, Status.Code.UNIMPLEMENTED),
      1.0, 5, 0.95, 500, Duration.ofMillis(5), 1.5, 100, Duration.ZERO, 5, 100, List.of(), Duration.ofSeconds(1));

  /** The same plan with {@code enabled}, {@code runId} and {@code paused} aside: what a rollout is judged by. */
  public boolean samePlan(RolloutSettings other) {
    return other != null && baseline.equals(other.baseline) && canary.equals(other.canary)
        && steps.equals(other.steps);
  }
}
