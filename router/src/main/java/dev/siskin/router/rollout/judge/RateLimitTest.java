package dev.siskin.router.rollout.judge;

/**
 * Sequential test of "the rate of an event (a canary call failing, a canary call slower than the p99 limit, a
 * shadow answer disagreeing) is at most {@code limit}", valid however often it is read: the rollback side of an
 * absolute floor.
 *
 * <p>It is the {@link AttributionTest}'s construction with a constant null probability: alternative j puts the
 * event's odds at m_j times the limit's, each observation multiplies its evidence by m_j / (1 + (m_j - 1) limit)
 * for an event and 1 / (1 + (m_j - 1) limit) otherwise, and the expected factor is at most 1 whenever the true
 * chance is at most the limit -- also when that chance drifts with load, as long as it stays under the limit. The
 * equal-weight average of those supermartingales is the e-value; Ville's inequality bounds the chance that it ever
 * reaches 1/α by α. Only the two counts are kept (O(1) per observation): the evidence falls with every non-event
 * and rises only at events, so checking the bar at events alone catches every crossing.
 *
 * <p>Not thread-safe: {@link StepJudge} holds its lock while feeding it.
 */
public final class RateLimitTest {
  private final double limit;
  private final double logBar;
  private long trials;
  private long events;
  private boolean rejected;

  /**
   * @param limit the rate tolerated, in (0, 1)
   * @param alpha chance of ever rejecting while the rate stays within the limit, in (0, 1)
   */
  public RateLimitTest(double limit, double alpha) {
    if (!(limit > 0 && limit < 1)) {
      throw new IllegalArgumentException("limit " + limit + " (expected: a rate between 0 and 1, e.g. 0.05)");
    }
    if (!(alpha > 0 && alpha < 1)) {
      throw new IllegalArgumentException("alpha " + alpha + " (expected: between 0 and 1, e.g. 0.0025)");
    }
    this.limit = limit;
    this.logBar = -Math.log(alpha);
  }

  private RateLimitTest(RateLimitTest other) {
    limit = other.limit;
    logBar = other.logBar;
    trials = other.trials;
    events = other.events;
    rejected = other.rejected;
  }

  /** One observation: whether the event happened. */
  public void observe(boolean event) {
    trials++;
    if (event) {
      events++;
      if (!rejected && logEValue() >= logBar) {
        rejected = true;
      }
    }
  }

  public double logEValue() {
    return OddsMixture.logMixture(AttributionTest.MULTIPLIERS, events, trials, limit);
  }

  public double eValue() {
    return Math.exp(logEValue());
  }

  public double bar() {
    return Math.exp(logBar);
  }

  /** Whether the e-value has ever reached the bar. */
  public boolean rejected() {
    return rejected;
  }

  public double limit() {
    return limit;
  }

  public long trials() {
    return trials;
  }

  public long events() {
    return events;
  }

  public RateLimitTest copy() {
    return new RateLimitTest(this);
  }
}
