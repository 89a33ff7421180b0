package dev.siskin.router.canary;

import java.util.Map;
import java.util.TreeSet;
import org.apache.commons.statistics.distribution.ChiSquaredDistribution;

/**
 * How far apart two backends' predicted-class distributions are, from unpaired counts (different calls went to
 * each): a user sees that v2 answers {@code virginica} three times as often as v1 without any shadow traffic.
 *
 * <p><b>PSI</b> (population stability index) = Σ over classes (c - b) ln(c / b), with b and c the baseline's and
 * the canary's shares of their calls: 0 for identical shares, growing with the difference, symmetric (it is the
 * symmetrised Kullback-Leibler divergence). A class that only one side predicted has share 0 on the other, where
 * ln would be infinite, so every share is floored at {@value #EMPTY_SHARE} (about one call in ten thousand): a
 * class with share s on one side only then adds about s ln(s / 0.0001), e.g. 0.69 for s = 0.1. The bands in use
 * (below 0.1 stable, 0.1 to 0.25 a shift, above 0.25 a large shift) come from credit scoring and depend on the
 * number of classes: read them as a guide, not a test.
 *
 * <p><b>Chi-square test of homogeneity</b> on the 2 x k table (baseline and canary rows, one column per class
 * either predicted): statistic Σ (O - E)² / E with E = row total x column total / N, k - 1 degrees of freedom,
 * p-value = P(X >= statistic) for X chi-square distributed. A small p says the two distributions differ by more
 * than chance; a large one says the counts give no evidence of a difference (not that there is none). Like any
 * Pearson test it is approximate when expected counts are below about 5, and it is a fixed-sample test: the
 * p-value of counts that keep growing, read again and again, is for display, not for an automatic decision.
 *
 * @param baselineCalls   calls counted for the baseline (the sum of its class counts)
 * @param canaryCalls     the same for the canary
 * @param psi             population stability index, >= 0
 * @param chiSquare       Pearson's statistic, >= 0
 * @param degreesOfFreedom classes predicted by either side, minus 1 (0 when both predicted only one class)
 * @param pValue          of the chi-square test; 1 when there are no degrees of freedom
 */
public record DistributionDistance(long baselineCalls, long canaryCalls, double psi, double chiSquare,
    int degreesOfFreedom, double pValue) {
  /** The floor of a class's share in PSI, standing in for 0. */
  public static final double EMPTY_SHARE = 1e-4;

  /**
   * The distance between two sets of counts per class (classes missing from a map count 0).
   *
   * @throws IllegalArgumentException if a count is negative or a side has no calls: there is no distribution to
   *                                  compare
   */
  public static DistributionDistance between(Map<String, Long> baseline, Map<String, Long> canary) {
    long b = total(baseline, "baseline");
    long c = total(canary, "canary");
    TreeSet<String> classes = new TreeSet<>(baseline.keySet());
    classes.addAll(canary.keySet());
    double psi = 0;
    double statistic = 0;
    int columns = 0;
    double n = (double) b + c;
    for (String label : classes) {
      long bi = baseline.getOrDefault(label, 0L);
      long ci = canary.getOrDefault(label, 0L);
      double bShare = Math.max((double) bi / b, EMPTY_SHARE);
      double cShare = Math.max((double) ci / c, EMPTY_SHARE);
      psi += (cShare - bShare) * Math.log(cShare / bShare);
      if (bi + ci > 0) {
        columns++;
        double column = bi + ci;
        statistic += squaredDeviation(bi, b * column / n) + squaredDeviation(ci, c * column / n);
      }
    }
    int df = Math.max(columns - 1, 0);
    double p = df == 0 ? 1.0 : ChiSquaredDistribution.of(df).survivalProbability(statistic);
    return new DistributionDistance(b, c, psi, statistic, df, p);
  }

  private static double squaredDeviation(long observed, double expected) {
    double d = observed - expected;
    return d * d / expected;
  }

  private static long total(Map<String, Long> counts, String side) {
    long total = 0;
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      if (e.getValue() < 0) {
        throw new IllegalArgumentException(side + " count of " + e.getKey() + " is " + e.getValue()
            + " (expected: >= 0)");
      }
      total += e.getValue();
    }
    if (total == 0) {
      throw new IllegalArgumentException(side + " has no calls (expected: at least one counted prediction)");
    }
    return total;
  }
}
