package dev.siskin.router.rollout.judge;

import java.util.Arrays;

/**
 * The latency above which a call counts as slow in one step: a quantile of the baseline's most recent calls plus a
 * slack. It opens once the step's first {@code calls} baseline calls are in, and then follows the baseline: every
 * tenth of a window it is taken again over the last {@code calls} baseline calls. A threshold frozen from the
 * very first calls would keep a router's cold start (its first calls are slow while the JVM compiles) as the bar
 * for the whole step, and a canary slower than the steady baseline but faster than that start would pass.
 *
 * <p>Following the baseline keeps the slow-call test exact: each call is judged against a threshold computed from
 * calls that finished before it, so whether it is slow does not depend on which version served it unless the
 * versions differ.
 *
 * <p>Not thread-safe: {@link StepJudge} holds its lock while feeding it.
 */
final class SlowThreshold {
  private final double quantile;
  private final long slackNanos;
  private final long[] window;
  private final int retakeEvery;
  private long offered;
  private int sinceTaken;
  private long thresholdNanos = -1;

  /**
   * @param calls      baseline calls the quantile is taken over (the window), >= 1
   * @param quantile   in (0, 1), e.g. 0.95
   * @param slackNanos added to the quantile, >= 0
   */
  SlowThreshold(int calls, double quantile, long slackNanos) {
    this.quantile = quantile;
    this.slackNanos = slackNanos;
    this.window = new long[calls];
    this.retakeEvery = Math.max(1, calls / 10);
  }

  /** Takes one baseline call's latency, after it was judged against the threshold in force (if any). */
  void offerBaseline(long latencyNanos) {
    window[(int) (offered % window.length)] = latencyNanos;
    offered++;
    sinceTaken++;
    if (offered >= window.length && (thresholdNanos < 0 || sinceTaken >= retakeEvery)) {
      take();
    }
  }

  private void take() {
    sinceTaken = 0;
    long[] sorted = window.clone();
    Arrays.sort(sorted);
    // Nearest rank: the smallest latency with at least the quantile's share of the window at or below it.
    // The 1e-9 keeps 0.95 x 500 at rank 475 whichever way the product rounds.
    int rank = (int) Math.ceil(quantile * sorted.length - 1e-9);
    long value = sorted[Math.max(rank, 1) - 1];
    thresholdNanos = value > Long.MAX_VALUE - slackNanos ? Long.MAX_VALUE : value + slackNanos;
  }

  /** Whether the threshold is open (the step's first window of baseline calls is in). */
  boolean open() {
    return thresholdNanos >= 0;
  }

  /** The threshold in force in nanoseconds; -1 while the first window is still filling. */
  long thresholdNanos() {
    return thresholdNanos;
  }

  int collected() {
    return (int) Math.min(offered, window.length);
  }

  int needed() {
    return window.length;
  }
}
