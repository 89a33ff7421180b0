package dev.siskin.client.stats;

import org.apache.commons.statistics.distribution.ChiSquaredDistribution;

/**
 * Pearson's chi-square goodness-of-fit test: could the observed counts have come from the expected shares?
 *
 * <p>The statistic is {@code sum((observed - expected)^2 / expected)} over the categories; with k categories it
 * follows a chi-square distribution with k - 1 degrees of freedom, and the p-value is the probability of a
 * statistic at least this large when the shares are right. Worked example: 2000 calls at 90/10 expect 1800/200;
 * observing 1795/205 gives 25/1800 + 25/200 = 0.1389 and p = 0.709 (nothing suspicious), observing 1700/300
 * gives 5.556 + 50 = 55.56 and p = 9e-14 (the split is not 90/10).
 */
public final class ChiSquareTest {
  private ChiSquareTest() {}

  /**
   * @param observed counts per category, each >= 0
   * @param expected expected counts per category (same order), each > 0, same total as observed
   */
  public static ChiSquareResult goodnessOfFit(long[] observed, double[] expected) {
    if (observed.length != expected.length) {
      throw new IllegalArgumentException("observed has " + observed.length + " categories, expected has "
          + expected.length + " (expected: the same number)");
    }
    if (observed.length == 0) {
      throw new IllegalArgumentException("no categories (expected: at least 1)");
    }
    double statistic = 0;
    for (int i = 0; i < observed.length; i++) {
      if (observed[i] < 0) {
        throw new IllegalArgumentException("observed[" + i + "]: " + observed[i] + " (expected: >= 0)");
      }
      if (!(expected[i] > 0)) {
        throw new IllegalArgumentException("expected[" + i + "]: " + expected[i] + " (expected: > 0)");
      }
      double diff = observed[i] - expected[i];
      statistic += diff * diff / expected[i];
    }
    int degreesOfFreedom = observed.length - 1;
    return new ChiSquareResult(statistic, degreesOfFreedom, pValue(statistic, degreesOfFreedom));
  }

  /** P(X >= statistic) for X chi-square distributed with the given degrees of freedom. */
  static double pValue(double statistic, int degreesOfFreedom) {
    // One category: every call must land there, and the caller checks that; there is nothing left to test.
    return degreesOfFreedom == 0 ? 1.0 : ChiSquaredDistribution.of(degreesOfFreedom).survivalProbability(statistic);
  }
}
