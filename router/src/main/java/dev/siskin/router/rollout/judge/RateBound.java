package dev.siskin.router.rollout.judge;

/**
 * Anytime-valid upper confidence bounds for a rate, from its counts: the promotion side of an absolute floor
 * ("the canary's failure rate is shown to be inside the limit").
 *
 * <p>To show a rate below p, test the null hypothesis "the rate is at least p" with the {@link RateLimitTest}
 * construction turned round: alternatives at odds ratios {@link #MULTIPLIERS} (no events, a quarter, half the
 * odds of p). For a true chance s >= p each observation's expected factor (1 + (m - 1)s) / (1 + (m - 1)p) is at most
 * 1 since m < 1, so the mixture is a supermartingale under that null and reaching 1 / (1 - confidence) shows the
 * rate below p however often the counts are read. The upper bound is the smallest p so shown: every alternative's
 * evidence grows with p, so the set is an interval and bisection finds its end.
 *
 * <p>The alternative "no events at all" is what makes the bound tight at small rates: with zero events in n
 * observations its evidence is (1 - p)^-n, so 72 observations show a rate below 5 % and 364 below 1 % at 95 %
 * (a fixed-sample bound, valid for one look only, needs ln(20) / -ln(1 - p): 59 and 299). One event removes that
 * alternative, and the quarter and half alternatives carry on: 136 observations with one event show 5 %.
 */
public final class RateBound {
  /** Odds ratios of the alternatives below the tested rate. */
  static final double[] MULTIPLIERS = {0, 0.25, 0.5};

  private RateBound() {}

  /**
   * Whether {@code events} in {@code trials} show, at {@code confidence}, a rate below {@code limit}.
   *
   * @param limit      in (0, 1)
   * @param confidence in (0, 1), e.g. 0.95
   */
  public static boolean provenBelow(long events, long trials, double limit, double confidence) {
    checkCounts(events, trials);
    checkConfidence(confidence);
    if (!(limit > 0 && limit < 1)) {
      throw new IllegalArgumentException("limit " + limit + " (expected: a rate between 0 and 1)");
    }
    return OddsMixture.logMixture(MULTIPLIERS, events, trials, limit) >= -Math.log1p(-confidence);
  }

  /**
   * The smallest rate that {@code events} in {@code trials} show to be an upper bound at {@code confidence}; 1
   * when they show none (no trials, or all events).
   */
  public static double upper(long events, long trials, double confidence) {
    checkCounts(events, trials);
    checkConfidence(confidence);
    if (trials == 0 || events == trials) {
      return 1;
    }
    double logBar = -Math.log1p(-confidence);
    double below = 0;
    double above = 1;
    // 1e-9 absolute is far finer than any limit a user writes; 40 halvings of [0, 1] reach it.
    while (above - below > 1e-9) {
      double mid = (below + above) / 2;
      if (OddsMixture.logMixture(MULTIPLIERS, events, trials, mid) >= logBar) {
        above = mid;
      } else {
        below = mid;
      }
    }
    return above;
  }

  /** The number of observations without an event that show a rate below {@code limit} at {@code confidence}. */
  public static long zeroEventTrials(double limit, double confidence) {
    long below = 0;
    long above = 1;
    while (!provenBelow(0, above, limit, confidence)) {
      below = above;
      above *= 2;
    }
    while (above - below > 1) {
      long mid = (below + above) >>> 1;
      if (provenBelow(0, mid, limit, confidence)) {
        above = mid;
      } else {
        below = mid;
      }
    }
    return above;
  }

  private static void checkCounts(long events, long trials) {
    if (trials < 0 || events < 0 || events > trials) {
      throw new IllegalArgumentException(events + " events in " + trials + " trials (expected: 0 <= events <= trials)");
    }
  }

  private static void checkConfidence(double confidence) {
    if (!(confidence > 0 && confidence < 1)) {
      throw new IllegalArgumentException("confidence " + confidence + " (expected: between 0 and 1, e.g. 0.95)");
    }
  }
}
