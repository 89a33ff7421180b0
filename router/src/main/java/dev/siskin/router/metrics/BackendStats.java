package dev.siskin.router.metrics;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Everything counted for one backend. Thread-safe; recording is lock-free ({@link LongAdder}s, a
 * {@link ConcurrentHashMap#get} and HdrHistogram's wait-free recorder) and allocates only the first time
 * a method is seen.
 *
 * <p>In flight = started - finished, where finished is the sum of the per-method status counters.
 * {@link #snapshot} reads finished before started; finished only grows, started shrinks only when a call
 * moves to another backend for a retry (before it can finish here), and every finish happens after its
 * start, so the difference is never negative.
 */
final class BackendStats {
  /**
   * The router forwards any method name a client sends; past this many distinct methods per backend,
   * further ones are counted under {@link #OTHER_METHOD} so that a misbehaving client cannot grow the
   * metrics without bound.
   */
  static final int MAX_METHODS = 200;
  static final String OTHER_METHOD = "__other__";

  final String name;
  private final boolean tracksInFlight;
  private final LongAdder started = new LongAdder();
  private final LongAdder bytesIn = new LongAdder();
  private final LongAdder bytesOut = new LongAdder();
  private final ConcurrentHashMap<String, MethodStats> methods = new ConcurrentHashMap<>();
  private final MethodStats other = new MethodStats(OTHER_METHOD);
  private final LatencyWindow latency;

  BackendStats(String name, boolean tracksInFlight, LongSupplier nanoClock) {
    this.name = name;
    this.tracksInFlight = tracksInFlight;
    this.latency = new LatencyWindow(nanoClock);
  }

  void started() {
    if (tracksInFlight) {
      started.increment();
    }
  }

  /** Takes back a {@link #started()}: the call moved to another backend (a retry). */
  void unstarted() {
    if (tracksInFlight) {
      started.decrement();
    }
  }

  void finished(String fullMethod, Status.Code code, long durationNanos, long in, long out) {
    method(fullMethod).record(code, durationNanos);
    bytesIn.add(in);
    bytesOut.add(out);
    latency.record(durationNanos);
  }

  private MethodStats method(String fullMethod) {
    MethodStats m = methods.get(fullMethod);
    if (m != null) {
      return m;
    }
    if (methods.size() >= MAX_METHODS) {
      return other;
    }
    return methods.computeIfAbsent(fullMethod, MethodStats::new);
  }

  /** The per-method counters, including the overflow bucket once it has been used. */
  Collection<MethodStats> methods() {
    if (other.callsTotal() == 0) {
      return methods.values();
    }
    List<MethodStats> all = new ArrayList<>(methods.values());
    all.add(other);
    return all;
  }

  long inFlight(long finished) {
    return tracksInFlight ? started.sum() - finished : 0;
  }

  boolean tracksInFlight() {
    return tracksInFlight;
  }

  long bytesIn() {
    return bytesIn.sum();
  }

  long bytesOut() {
    return bytesOut.sum();
  }

  void drainLatency() {
    latency.drain();
  }

  BackendSnapshot snapshot() {
    Map<Status.Code, Long> byCode = new EnumMap<>(Status.Code.class);
    long finished = 0;
    for (MethodStats m : methods()) {
      for (Status.Code code : MethodStats.codes()) {
        long n = m.calls(code);
        if (n != 0) {
          byCode.merge(code, n, Long::sum);
          finished += n;
        }
      }
    }
    long inFlight = inFlight(finished);
    LatencyWindow.Summary l = latency.summary();
    return new BackendSnapshot(
        name, inFlight, finished, byCode, bytesIn(), bytesOut(), l.lastMinute(), l.sinceStart());
  }
}
