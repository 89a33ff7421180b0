package dev.siskin.router.canary;

import java.util.List;
import java.util.OptionalDouble;

/**
 * How the shadow's confidence differed from the primary's on compared Predict pairs: per pair
 * Δ = shadow confidence - primary confidence, in [-1, 1] (each is the answer's probability of the class it
 * answered, so Δ compares the two models' certainty, also when they answered different classes).
 *
 * @param bins   counts of Δ in 20 bins of width 0.1 from -1 to 1, each (lower, upper] (the first also holds -1),
 *               so that their running sums are Prometheus {@code le} buckets; Δ = 0 (both equally sure, the usual
 *               case for two models that agree) falls in (-0.1, 0]
 * @param count  pairs counted (the compared pairs)
 * @param sum    sum of Δ, for the mean and a Prometheus {@code _sum}
 * @param large  pairs with |Δ| > {@value #LARGE}
 */
public record ConfidenceDeltas(List<Bin> bins, long count, double sum, long large) {
  /** A confidence change larger than this is worth a look (the research notes' threshold). */
  public static final double LARGE = 0.2;

  /**
   * One bin of Δ.
   *
   * @param lower exclusive lower bound (inclusive for the first bin, -1)
   * @param upper inclusive upper bound
   */
  public record Bin(double lower, double upper, long count) {}

  public ConfidenceDeltas {
    bins = List.copyOf(bins);
  }

  /** The mean Δ; empty before the first compared pair. */
  public OptionalDouble mean() {
    return count == 0 ? OptionalDouble.empty() : OptionalDouble.of(sum / count);
  }

  /** The share of compared pairs with |Δ| > {@value #LARGE}; empty before the first compared pair. */
  public OptionalDouble largeShare() {
    return count == 0 ? OptionalDouble.empty() : OptionalDouble.of((double) large / count);
  }
}
