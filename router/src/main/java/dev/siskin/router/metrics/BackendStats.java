package dev.siskin.router.metrics;

import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.observe.RouteCause;
import io.grpc.Status;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Everything counted for one backend. Thread-safe; recording is lock-free ({@link LongAdder}s, a
 * {@link ConcurrentHashMap#get} and HdrHistogram's wait-free recorder) and allocates only the first time
 * a method label is seen.
 *
 * <p>In flight = started - finished, where finished is the sum of the per-method status counters.
 * {@link #snapshot} reads finished before started; finished only grows, started shrinks only when a call
 * moves to another backend for a retry (before it can finish here), and every finish happens after its
 * start, so the difference is never negative.
 *
 * <p>Counters are kept for the life of the process. The latency window (about 0.4 MiB on 2 cores, 1 MiB on
 * 16) is kept only while the backend is in the config: {@link #drainOrRetireLatency} drops it once the
 * backend has left, and the first call that finishes after it is back opens a new one.
 */
final class BackendStats {
  final String name;
  private final boolean tracksInFlight;
  private final Predicate<String> configured;
  private final LongSupplier nanoClock;
  private final LongAdder started = new LongAdder();
  private final LongAdder bytesIn = new LongAdder();
  private final LongAdder bytesOut = new LongAdder();
  /** Finished calls by {@link RouteCause#ordinal()}. */
  private final LongAdder[] byRoute = new LongAdder[RouteCause.values().length];
  /** By method label: at most {@link MethodLabels#MAX_METHODS} names plus its two shared labels. */
  private final ConcurrentHashMap<String, MethodStats> methods = new ConcurrentHashMap<>();
  /** Null while the backend is out of the config; written under "this". */
  private volatile LatencyWindow latency;

  /**
   * @param configured whether a backend name is in the config in force (decides whether the latency window
   *                   is kept)
   */
  BackendStats(String name, boolean tracksInFlight, Predicate<String> configured, LongSupplier nanoClock) {
    this.name = name;
    this.tracksInFlight = tracksInFlight;
    this.configured = configured;
    this.nanoClock = nanoClock;
    for (int i = 0; i < byRoute.length; i++) {
      byRoute[i] = new LongAdder();
    }
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

  /**
   * Counts a finished call under the label {@code labels} gives its method. The durations and byte counts are
   * passed apart from {@code outcome} so that the caller can clamp them.
   */
  void finished(CallOutcome outcome, MethodLabels labels, long durationNanos, long in, long out) {
    // A hit is a method with a label of its own (the keys are such names and the two shared labels).
    MethodStats m = methods.get(outcome.fullMethod());
    if (m == null) {
      m = method(labels.label(outcome));
    }
    m.record(outcome.code(), durationNanos);
    byRoute[outcome.cause().ordinal()].increment();
    bytesIn.add(in);
    bytesOut.add(out);
    LatencyWindow w = latency;
    if (w == null) {
      w = openLatencyIfConfigured();
    }
    if (w != null) {
      w.record(durationNanos);
    }
  }

  private MethodStats method(String label) {
    MethodStats m = methods.get(label);
    return m != null ? m : methods.computeIfAbsent(label, MethodStats::new);
  }

  /** The per-label counters of the labels this backend has used. */
  Collection<MethodStats> methods() {
    return methods.values();
  }

  long inFlight(long finished) {
    return tracksInFlight ? started.sum() - finished : 0;
  }

  boolean tracksInFlight() {
    return tracksInFlight;
  }

  /** Finished calls that the rule {@code cause} routed here. */
  long calls(RouteCause cause) {
    return byRoute[cause.ordinal()].sum();
  }

  long bytesIn() {
    return bytesIn.sum();
  }

  long bytesOut() {
    return bytesOut.sum();
  }

  /**
   * Moves recent latencies into the current slot while the backend is in the config; once it has left, frees
   * the window instead (a call that finishes after that still counts, without a latency).
   */
  void drainOrRetireLatency() {
    LatencyWindow w;
    synchronized (this) {
      if (latency != null && !configured.test(name)) {
        latency = null;
      }
      w = latency;
    }
    if (w != null) {
      w.drain();
    }
  }

  boolean hasLatencyWindow() {
    return latency != null;
  }

  private synchronized LatencyWindow openLatencyIfConfigured() {
    if (latency == null && configured.test(name)) {
      latency = new LatencyWindow(nanoClock);
    }
    return latency;
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
    LatencyWindow w = latency;
    LatencyWindow.Summary l = w == null ? LatencyWindow.Summary.NONE : w.summary();
    Map<RouteCause, Long> byCause = new EnumMap<>(RouteCause.class);
    for (RouteCause cause : RouteCause.values()) {
      long n = calls(cause);
      if (n != 0) {
        byCause.put(cause, n);
      }
    }
    return new BackendSnapshot(
        name, inFlight, finished, byCode, byCause, bytesIn(), bytesOut(), l.lastMinute(), l.sinceStart());
  }
}
