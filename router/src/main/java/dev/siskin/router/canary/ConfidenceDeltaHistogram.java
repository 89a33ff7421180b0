package dev.siskin.router.canary;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Records confidence differences into {@link ConfidenceDeltas}' fixed bins. Thread-safe, lock-free. A snapshot
 * taken while others record is not one instant, but its bins and {@code large} never exceed its {@code count}.
 */
final class ConfidenceDeltaHistogram {
  private static final int BINS = 20;
  /**
   * Confidences are decimals stored in binary: 0.8 - 0.7 is 0.10000000000000009. A Δ within this of a bin edge
   * or of {@link ConfidenceDeltas#LARGE} counts as on it, so that decimal differences land where a reader expects.
   */
  private static final double SLACK = 1e-9;
  /** Upper bound of each bin: -0.9, -0.8, ..., 1.0, computed from integers so that each is the nearest double. */
  private static final double[] UPPER = new double[BINS];

  static {
    for (int i = 0; i < BINS; i++) {
      UPPER[i] = (i - 9) / 10.0;
    }
  }

  private final LongAdder[] bins = new LongAdder[BINS];
  private final LongAdder count = new LongAdder();
  private final DoubleAdder sum = new DoubleAdder();
  private final LongAdder large = new LongAdder();

  ConfidenceDeltaHistogram() {
    for (int i = 0; i < BINS; i++) {
      bins[i] = new LongAdder();
    }
  }

  /** @param delta shadow confidence - primary confidence, in [-1, 1] */
  void record(double delta) {
    // count first, read last in snapshot(): a snapshot never has more in the bins, or large, than in count.
    count.increment();
    bins[bin(delta)].increment();
    sum.add(delta);
    if (Math.abs(delta) > ConfidenceDeltas.LARGE + SLACK) {
      large.increment();
    }
  }

  static int bin(double delta) {
    for (int i = 0; i < BINS - 1; i++) {
      if (delta <= UPPER[i] + SLACK) {
        return i;
      }
    }
    return BINS - 1;
  }

  ConfidenceDeltas snapshot() {
    List<ConfidenceDeltas.Bin> out = new ArrayList<>(BINS);
    for (int i = 0; i < BINS; i++) {
      out.add(new ConfidenceDeltas.Bin(i == 0 ? -1 : UPPER[i - 1], UPPER[i], bins[i].sum()));
    }
    long largeCount = large.sum();
    double total = sum.sum();
    return new ConfidenceDeltas(out, count.sum(), total, largeCount);
  }
}
