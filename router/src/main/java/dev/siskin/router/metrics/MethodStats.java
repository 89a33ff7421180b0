package dev.siskin.router.metrics;

import io.grpc.Status;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the calls of one method label on one backend (a full method, or one of the shared labels of
 * {@link MethodLabels}): calls by final status code and the duration histogram. Thread-safe and lock-free: every field is a {@link LongAdder} created up front, so
 * recording a call allocates nothing and never blocks. Readers see each adder's current sum; the fields
 * are not read as one atomic snapshot (a call finishing during a scrape may show in one and not yet in
 * another), which is what Prometheus expects of counters.
 */
final class MethodStats {
  private static final Status.Code[] CODES = Status.Code.values();

  final String label;
  /** Indexed by {@link Status.Code#ordinal()} (which equals the gRPC code number). */
  private final LongAdder[] callsByCode = newAdders(CODES.length);
  /** Non-cumulative: one adder per bucket of {@link DurationBuckets}. */
  private final LongAdder[] durationBuckets = newAdders(DurationBuckets.COUNT);
  private final LongAdder durationSumNanos = new LongAdder();

  MethodStats(String label) {
    this.label = label;
  }

  void record(Status.Code code, long durationNanos) {
    callsByCode[code.ordinal()].increment();
    durationBuckets[DurationBuckets.indexOf(durationNanos)].increment();
    durationSumNanos.add(durationNanos);
  }

  long calls(Status.Code code) {
    return callsByCode[code.ordinal()].sum();
  }

  long callsTotal() {
    long n = 0;
    for (LongAdder a : callsByCode) {
      n += a.sum();
    }
    return n;
  }

  /** Per-bucket (not cumulative) counts, in the order of {@link DurationBuckets#UPPER_BOUNDS_SECONDS}. */
  long[] durationBucketCounts() {
    long[] counts = new long[durationBuckets.length];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = durationBuckets[i].sum();
    }
    return counts;
  }

  double durationSumSeconds() {
    return durationSumNanos.sum() / 1e9;
  }

  static Status.Code[] codes() {
    return CODES;
  }

  private static LongAdder[] newAdders(int n) {
    LongAdder[] adders = new LongAdder[n];
    for (int i = 0; i < n; i++) {
      adders[i] = new LongAdder();
    }
    return adders;
  }
}
