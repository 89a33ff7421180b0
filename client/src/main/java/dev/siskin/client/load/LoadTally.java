package dev.siskin.client.load;

import io.grpc.Status;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Counts the calls of a load run while they finish on gRPC's threads. Thread-safe: concurrent maps of adders and
 * a concurrent histogram, so that recording never blocks a callback. The in-flight count is raised only by the
 * sending thread, so its check against the cap there cannot be overtaken (callbacks only lower it).
 */
final class LoadTally {
  private final Map<String, Map<Status.Code, LongAdder>> counts = new ConcurrentHashMap<>();
  // Microseconds, 3 significant digits; it grows as larger values arrive.
  private final Histogram okMicros = new ConcurrentHistogram(3);
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile Status firstFailure;

  void started() {
    inFlight.incrementAndGet();
  }

  void ended(String backend, Status status, long nanos) {
    counts.computeIfAbsent(backend, b -> new ConcurrentHashMap<>())
        .computeIfAbsent(status.getCode(), c -> new LongAdder())
        .increment();
    if (status.isOk()) {
      okMicros.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(nanos)));
    } else if (firstFailure == null) {
      firstFailure = status;
    }
    inFlight.decrementAndGet();
  }

  int inFlight() {
    return inFlight.get();
  }

  /** What was counted so far; calls still in flight are {@code unfinished}. */
  LoadResult snapshot(String target, LoadSchedule schedule, int maxInFlight, long sent, long skippedInFlight,
      long skippedLate, Duration sending, String stoppedBy) {
    Map<String, Map<Status.Code, Long>> byBackend = new TreeMap<>();
    counts.forEach((backend, byCode) -> {
      Map<Status.Code, Long> copy = new EnumMap<>(Status.Code.class);
      byCode.forEach((code, n) -> copy.put(code, n.sum()));
      byBackend.put(backend, copy);
    });
    long finished = byBackend.values().stream().flatMap(m -> m.values().stream()).mapToLong(Long::longValue).sum();
    Histogram latencies = okMicros.copy();
    LoadResult.Latency latency = latencies.getTotalCount() == 0 ? null : new LoadResult.Latency(
        latencies.getValueAtPercentile(50) / 1000.0, latencies.getValueAtPercentile(99) / 1000.0,
        latencies.getMaxValue() / 1000.0);
    return new LoadResult(target, schedule, maxInFlight, sent, skippedInFlight, skippedLate,
        Math.max(0, sent - finished), sending, stoppedBy, byBackend, latency, firstFailure);
  }
}
