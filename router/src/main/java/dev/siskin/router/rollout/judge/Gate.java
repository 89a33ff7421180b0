package dev.siskin.router.rollout.judge;

/** The judge's gates, in the order reports list them. */
public enum Gate {
  /** Relative: failures attributed to the canary beyond {@code errorMargin} times the baseline's rate. */
  ERRORS("errors"),
  /** Absolute floor: the canary's failure rate against {@code maxFailureRate}. */
  ERROR_RATE("error-rate"),
  /** Relative: calls slower than the step's slow-call threshold (a quantile of the recent baseline), attributed beyond {@code slowMargin}. */
  LATENCY("latency"),
  /** Absolute floor, optional: the canary's share of calls slower than {@code p99Limit} against 1 %. */
  LATENCY_P99("latency-p99"),
  /** Absolute floor on shadow comparisons: the disagreement rate against {@code maxDisagreement}. */
  PREDICTIONS("predictions");

  private final String label;

  Gate(String label) {
    this.label = label;
  }

  /** The name in reports and logs, e.g. {@code error-rate}. */
  public String label() {
    return label;
  }
}
