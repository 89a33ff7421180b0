package dev.siskin.router.rollout.judge;

import java.util.Arrays;

/**
 * The latency above which a call counts as slow in one step: a quantile of the baseline's first calls of the step
 * plus a slack, frozen once those calls are in. Freezing it before judging is what keeps the slow-call test exact:
 * the threshold depends only on calls the test never sees, so it treats both versions alike.
 *
 * <p>Not thread-safe: {@link StepJudge} holds its lock while feeding it.
 */
final class SlowThreshold {
  private final double quantile;
  private final long slackNanos;
  private final long[] sample;
  private int collected;
  private long thresholdNanos = -1;

  /**
   * @param calls      baseline calls to take the quantile of, >= 1
   * @param quantile   in (0, 1), e.g. 0.95
   * @param slackNanos added to the quantile, >= 0
   */
  SlowThreshold(int calls, double quantile, long slackNanos) {
    this.quantile = quantile;
    this.slackNanos = slackNanos;
    this.sample = new long[calls];
  }

  /** Takes one baseline call's latency while the threshold is still open; ignored once frozen. */
  void offerBaseline(long latencyNanos) {
    if (thresholdNanos >= 0) {
      return;
    }
    sample[collected++] = latencyNanos;
    if (collected == sample.length) {
      long[] sorted = sample.clone();
      Arrays.sort(sorted);
      // Nearest rank: the smallest latency with at least the quantile's share of the sample at or below it.
      // The 1e-9 keeps 0.95 x 500 at rank 475 whichever way the product rounds.
      int rank = (int) Math.ceil(quantile * sorted.length - 1e-9);
      long value = sorted[Math.max(rank, 1) - 1];
      thresholdNanos = value > Long.MAX_VALUE - slackNanos ? Long.MAX_VALUE : value + slackNanos;
    }
  }

  boolean frozen() {
    return thresholdNanos >= 0;
  }

  /** The frozen threshold in nanoseconds; -1 while still collecting. */
  long thresholdNanos() {
    return thresholdNanos;
  }

  int collected() {
    return collected;
  }

  int needed() {
    return sample.length;
  }
}
