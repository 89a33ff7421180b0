package dev.siskin.router.metrics;

import java.util.Arrays;

/**
 * The fixed upper bounds of the call-duration histogram exported to Prometheus: 100 µs to 10 s in
 * 1-2.5-5 steps, then +Inf. Fixed (not configurable) so that dashboards and alerts written against one
 * router work against every other. Immutable.
 */
final class DurationBuckets {
  /** Upper bounds in seconds as Prometheus shows them ({@code le} labels), ending with +Inf. */
  static final double[] UPPER_BOUNDS_SECONDS = {
    0.0001, 0.00025, 0.0005,
    0.001, 0.0025, 0.005,
    0.01, 0.025, 0.05,
    0.1, 0.25, 0.5,
    1, 2.5, 5,
    10,
    Double.POSITIVE_INFINITY
  };

  /** The same finite bounds in nanoseconds, so the hot path compares longs, never doubles. */
  private static final long[] UPPER_BOUNDS_NANOS = Arrays.stream(UPPER_BOUNDS_SECONDS)
      .filter(Double::isFinite)
      .mapToLong(s -> Math.round(s * 1e9))
      .toArray();

  /** Number of buckets including +Inf. */
  static final int COUNT = UPPER_BOUNDS_SECONDS.length;

  private DurationBuckets() {}

  /**
   * Index of the bucket a duration falls in: the first bound {@code >= nanos} (Prometheus' {@code le}),
   * or the +Inf bucket. No allocation.
   */
  static int indexOf(long nanos) {
    int i = Arrays.binarySearch(UPPER_BOUNDS_NANOS, nanos);
    return i >= 0 ? i : -i - 1;
  }
}
