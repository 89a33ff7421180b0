package dev.siskin.router.rollout.judge;

/**
 * The arithmetic every gate of the judge shares: an equal-weight mixture of Bernoulli likelihood ratios whose
 * alternatives multiply the null hypothesis's odds.
 *
 * <p>An observation is an event (1) or not (0) with null probability p. Alternative j says the odds are m_j times
 * the null's, i.e. probability {@link #scaleOdds q(p, m_j)}. Its likelihood ratio for one observation simplifies to
 * m_j / (1 + (m_j - 1) p) for an event and 1 / (1 + (m_j - 1) p) for a non-event, so no probability ever needs to be
 * divided by (p may be 0 or tiny). Everything is kept as logarithms: a long run of calls multiplies thousands of
 * factors, which would overflow or underflow doubles.
 */
final class OddsMixture {
  private OddsMixture() {}

  /**
   * The probability whose odds are {@code oddsRatio} times those of {@code p}: p r / (p r + 1 - p). With p the
   * canary's routing share and r the ratio of the canary's event rate to the baseline's, it is the chance that an
   * event came from the canary.
   */
  static double scaleOdds(double p, double oddsRatio) {
    double scaled = p * oddsRatio;
    return scaled == 0 ? 0 : scaled / (scaled + 1 - p);
  }

  /** Log of alternative m's likelihood ratio for one observation of null probability p in [0, 1). */
  static double logFactor(double m, double p, boolean event) {
    double common = -Math.log1p((m - 1) * p);
    return event ? Math.log(m) + common : common;
  }

  /**
   * Log likelihood ratio of alternative m for {@code events} events in {@code trials} observations of one
   * constant null probability p: events log m - trials log(1 + (m - 1) p); minus infinity when m = 0 and an
   * event happened (an alternative that forbids events is refuted by one).
   */
  static double logRatio(double m, long events, long trials, double p) {
    double common = -trials * Math.log1p((m - 1) * p);
    if (events == 0) {
      return common;
    }
    return m == 0 ? Double.NEGATIVE_INFINITY : events * Math.log(m) + common;
  }

  /** The equal-weight mixture of constant-p likelihood ratios, as a logarithm. */
  static double logMixture(double[] multipliers, long events, long trials, double p) {
    double[] logs = new double[multipliers.length];
    for (int j = 0; j < multipliers.length; j++) {
      logs[j] = logRatio(multipliers[j], events, trials, p);
    }
    return logMeanExp(logs);
  }

  /** log((e^x_1 + ... + e^x_k) / k) without overflow; minus infinity when every x is. */
  static double logMeanExp(double[] logs) {
    double max = Double.NEGATIVE_INFINITY;
    for (double x : logs) {
      max = Math.max(max, x);
    }
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    double sum = 0;
    for (double x : logs) {
      sum += Math.exp(x - max);
    }
    return max + Math.log(sum / logs.length);
  }
}
