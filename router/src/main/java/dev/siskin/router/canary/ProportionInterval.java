package dev.siskin.router.canary;

/**
 * A confidence interval for a proportion, e.g. the share of compared Predict pairs on which the shadow agreed.
 *
 * <p>{@link #wilson} is the Wilson score interval (E. B. Wilson, "Probable inference, the law of succession, and
 * statistical inference", JASA 22, 1927), the interval recommended over the textbook Wald interval by Brown, Cai
 * and DasGupta ("Interval estimation for a binomial proportion", Statistical Science 16, 2001): it stays inside
 * [0, 1], is not degenerate at 0 or n successes, and its coverage stays near the nominal level for proportions
 * close to 1 such as an agreement rate. It is a fixed-sample interval: it is for display. Read repeatedly while
 * the counts grow, some reading will miss the true rate more often than 5 % of the time, so an automated decision
 * that watches it continuously needs an anytime-valid bound instead.
 *
 * @param lower lower bound, in [0, 1]
 * @param upper upper bound, in [lower, 1]
 */
public record ProportionInterval(double lower, double upper) {
  /** The standard normal quantile 0.975: two-sided 95 %. */
  public static final double Z_95 = 1.959963984540054;

  /** No trials: every proportion is possible. */
  public static final ProportionInterval UNKNOWN = new ProportionInterval(0, 1);

  /** The 95 % Wilson score interval of {@code successes} in {@code trials}. */
  public static ProportionInterval wilson95(long successes, long trials) {
    return wilson(successes, trials, Z_95);
  }

  /**
   * The Wilson score interval: the proportions p for which |p̂ - p| <= z sqrt(p (1 - p) / n), i.e.
   * (p̂ + z²/2n ± z sqrt(p̂ (1 - p̂) / n + z²/4n²)) / (1 + z²/n) with p̂ = successes / n.
   *
   * @param successes in [0, trials]
   * @param trials    >= 0; 0 gives {@link #UNKNOWN}
   * @param z         normal quantile of the level, > 0 (e.g. {@link #Z_95})
   */
  public static ProportionInterval wilson(long successes, long trials, double z) {
    if (trials < 0 || successes < 0 || successes > trials) {
      throw new IllegalArgumentException(successes + " successes in " + trials + " trials (expected: 0 <= successes"
          + " <= trials)");
    }
    if (!(z > 0) || Double.isInfinite(z)) {
      throw new IllegalArgumentException("z " + z + " (expected: a positive normal quantile, e.g. 1.96)");
    }
    if (trials == 0) {
      return UNKNOWN;
    }
    double n = trials;
    double p = successes / n;
    double z2 = z * z;
    double denominator = 1 + z2 / n;
    double centre = (p + z2 / (2 * n)) / denominator;
    double half = z / denominator * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n));
    // At 0 or n successes the bound is exactly 0 or 1 in exact arithmetic; rounding must not exclude it.
    double lower = successes == 0 ? 0 : Math.max(0, centre - half);
    double upper = successes == trials ? 1 : Math.min(1, centre + half);
    return new ProportionInterval(lower, upper);
  }

  public boolean contains(double p) {
    return p >= lower && p <= upper;
  }
}
