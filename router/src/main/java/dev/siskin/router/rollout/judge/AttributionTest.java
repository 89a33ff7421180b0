package dev.siskin.router.rollout.judge;

/**
 * Sequential test of "the canary has events (failures, slow calls) at most {@code margin} times as often as the
 * baseline", from nothing but which version each event came from and the canary's routing share when its call
 * was routed. Valid however often it is read, however the load and the share change.
 *
 * <p><b>Why it is valid.</b> Say a call routed with canary share π has an event with probability λc on the canary
 * and λb on the baseline (either may vary with time and load). Given that it had one, it came from the canary with
 * probability πλc / (πλc + (1 - π)λb) = q(π, λc/λb), where q(π, r) = πr / (πr + 1 - π) grows with r; under the
 * null hypothesis λc <= r0 λb that is at most p = q(π, r0). Alternative j (odds ratio m_j >= 1 over the null)
 * multiplies its evidence by m_j / (1 + (m_j - 1)p) for an event from the canary and by 1 / (1 + (m_j - 1)p) for
 * one from the baseline; if the canary's true chance is s <= p, the expected factor is
 * (1 + (m_j - 1)s) / (1 + (m_j - 1)p) <= 1. So each alternative's running product is a non-negative
 * supermartingale starting at 1 under the null, their average (the e-value) is one too, and by Ville's inequality
 * it ever reaches 1/α with probability at most α. This needs only that the router places calls at random with the
 * share it reports, independently of how a call will turn out -- which is what weight routing does, and why only
 * weight-routed calls may be fed here.
 *
 * <p>The alternatives are the canary at {@link #MULTIPLIERS} times the margin; an event at share 0 or 1 says
 * nothing about the versions and leaves the evidence alone. Once the e-value reaches the bar the test stays
 * rejected: Ville's bound is on the running maximum, so a crossing between two reads still counts.
 *
 * <p>Not thread-safe: {@link StepJudge} holds its lock while feeding it.
 */
public final class AttributionTest {
  /** Odds ratios of the alternatives over the null: the canary 2, 4 and 10 times the tolerated rate. */
  static final double[] MULTIPLIERS = {2, 4, 10};

  private final double margin;
  private final double logBar;
  private final double[] logs;
  private long events;
  private long canaryEvents;
  private double expectedCanaryEvents;
  private boolean rejected;

  /**
   * @param margin tolerated ratio r0 of the canary's event rate to the baseline's, >= 1 (1: any excess)
   * @param alpha  chance of ever rejecting when the canary is within the margin, in (0, 1)
   */
  public AttributionTest(double margin, double alpha) {
    if (!(margin >= 1) || Double.isInfinite(margin)) {
      throw new IllegalArgumentException("margin " + margin + " (expected: a ratio >= 1, e.g. 1.0 or 1.5)");
    }
    if (!(alpha > 0 && alpha < 1)) {
      throw new IllegalArgumentException("alpha " + alpha + " (expected: between 0 and 1, e.g. 0.0025)");
    }
    this.margin = margin;
    this.logBar = -Math.log(alpha);
    this.logs = new double[MULTIPLIERS.length];
  }

  private AttributionTest(AttributionTest other) {
    margin = other.margin;
    logBar = other.logBar;
    logs = other.logs.clone();
    events = other.events;
    canaryEvents = other.canaryEvents;
    expectedCanaryEvents = other.expectedCanaryEvents;
    rejected = other.rejected;
  }

  /**
   * One event (a failed or slow call).
   *
   * @param canaryShare the canary's routing share when the event's call was routed, in [0, 1]
   * @param fromCanary  whether the canary served that call
   */
  public void observe(double canaryShare, boolean fromCanary) {
    if (!(canaryShare >= 0 && canaryShare <= 1)) {
      throw new IllegalArgumentException("canaryShare " + canaryShare + " (expected: 0.0 to 1.0)");
    }
    if (canaryShare == 0 || canaryShare == 1) {
      return;
    }
    events++;
    if (fromCanary) {
      canaryEvents++;
    }
    double p = OddsMixture.scaleOdds(canaryShare, margin);
    expectedCanaryEvents += p;
    for (int j = 0; j < logs.length; j++) {
      logs[j] += OddsMixture.logFactor(MULTIPLIERS[j], p, fromCanary);
    }
    if (!rejected && logEValue() >= logBar) {
      rejected = true;
    }
  }

  /** The e-value's logarithm: 0 before any informative event. */
  public double logEValue() {
    return OddsMixture.logMeanExp(logs);
  }

  /** The e-value (evidence against the null; infinity past the double range). */
  public double eValue() {
    return Math.exp(logEValue());
  }

  /** The e-value at which the test rejects: 1/α. */
  public double bar() {
    return Math.exp(logBar);
  }

  /** Whether the e-value has ever reached the bar. */
  public boolean rejected() {
    return rejected;
  }

  /** Events that carried information (routed at a share strictly between 0 and 1). */
  public long events() {
    return events;
  }

  /** Of {@link #events}, those from the canary. */
  public long canaryEvents() {
    return canaryEvents;
  }

  /** Canary events the null's boundary (canary at exactly the margin) expects: the sum of q(π, r0). */
  public double expectedCanaryEvents() {
    return expectedCanaryEvents;
  }

  /** An independent copy holding the same evidence. */
  public AttributionTest copy() {
    return new AttributionTest(this);
  }
}
