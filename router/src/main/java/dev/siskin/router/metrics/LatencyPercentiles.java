package dev.siskin.router.metrics;

/**
 * Call count and latency percentiles of one time window. Percentiles are in milliseconds with HdrHistogram's
 * 1 % resolution, and null when the window holds no call.
 */
public record LatencyPercentiles(long calls, Double p50Ms, Double p90Ms, Double p99Ms) {
  static final LatencyPercentiles EMPTY = new LatencyPercentiles(0, null, null, null);
}
