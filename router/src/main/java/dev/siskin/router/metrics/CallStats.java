package dev.siskin.router.metrics;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.observe.CallListener;
import dev.siskin.router.observe.CallOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Counts every forwarded call, per backend and per method label: calls by final gRPC status, calls in
 * flight, request and response bytes, a duration histogram for Prometheus and latency percentiles for
 * the admin endpoint. The single source that both {@code /clusters} and {@code /metrics} read.
 *
 * <p><b>Hot path.</b> {@link #onCallStarted} and {@link #onCallFinished} run on gRPC transport threads
 * for every call. They take no lock and allocate nothing once a backend and method have been seen:
 * a {@link ConcurrentHashMap#get}, {@link java.util.concurrent.atomic.LongAdder} increments (striped,
 * so threads do not contend on one cache line) and HdrHistogram's wait-free recorder. They never throw
 * for any outcome the proxy can report.
 *
 * <p><b>Methods.</b> The {@code method} a call is counted under is decided by {@link MethodLabels}: one
 * budget of names for the whole router, and names no backend has answered OK share one label.
 *
 * <p><b>Backends.</b> Counters are kept per backend <em>name</em> for the life of the process, also
 * after a reload removes the backend: they are small (a few {@code LongAdder}s per method label), and
 * keeping them means a counter never goes back, a backend that returns continues where it stopped, and the
 * calls that finish on a removed backend after the reload are counted where Prometheus already sees the
 * series. The name {@code "-"} (the router answered the call itself) has no in-flight count, since such
 * calls may finish without a start.
 *
 * <p><b>Latency windows.</b> The last-minute percentiles need {@link #drainLatencyWindows()} at least
 * every 10 s; {@link RouterMetrics} schedules it. The same pass frees the window of every backend that is
 * no longer in the config (the windows are what is large, about 0.4 MiB per backend on 2 cores), so naming
 * backends per release does not grow the heap; the first call that finishes on a backend that is back opens
 * a new window.
 */
public final class CallStats implements CallListener {
  /** Backend name the proxy reports for calls it answered without a backend. */
  public static final String NO_BACKEND = "-";

  private final ConcurrentHashMap<String, BackendStats> backends = new ConcurrentHashMap<>();
  private final MethodLabels methodLabels = new MethodLabels();
  private final Predicate<String> configured;
  private final LongSupplier nanoClock;

  /**
   * Counts with the JVM's monotonic clock for the latency windows.
   *
   * @param configured whether a backend name is in the config in force: only those keep a latency window
   *                   ({@code "-"} always does); called when windows are drained and when a call finishes on
   *                   a backend without one
   */
  CallStats(Predicate<String> configured) {
    this(configured, System::nanoTime);
  }

  /** For tests: every backend configured, and the clock that decides which 10 s latency slot a call falls in. */
  CallStats(LongSupplier nanoClock) {
    this(name -> true, nanoClock);
  }

  CallStats(Predicate<String> configured, LongSupplier nanoClock) {
    requireNonNull(configured, "configured");
    this.configured = name -> NO_BACKEND.equals(name) || configured.test(name);
    this.nanoClock = requireNonNull(nanoClock, "nanoClock");
  }

  @Override
  public void onCallStarted(String backend, String fullMethod) {
    backend(backend).started();
  }

  /** The call's in-flight count moves to the backend it is retried on. */
  @Override
  public void onCallRerouted(String from, String to, String fullMethod) {
    backend(from).unstarted();
    backend(to).started();
  }

  @Override
  public void onCallFinished(CallOutcome o) {
    // Clamped so that a negative number from a clock step or a bug cannot make a counter go back.
    backend(o.backend()).finished(o, methodLabels,
        Math.max(0, o.durationNanos()), Math.max(0, o.bytesIn()), Math.max(0, o.bytesOut()));
  }

  private BackendStats backend(String name) {
    BackendStats b = backends.get(name);
    return b != null ? b : backends.computeIfAbsent(name, this::newBackend);
  }

  private BackendStats newBackend(String name) {
    return new BackendStats(name, !NO_BACKEND.equals(name), configured, nanoClock);
  }

  /** The counts of one backend now, or empty when it has not been seen yet. */
  public Optional<BackendSnapshot> snapshot(String backend) {
    BackendStats b = backends.get(backend);
    return b == null ? Optional.empty() : Optional.of(b.snapshot());
  }

  /** Names of every backend seen since start, in no particular order. */
  public List<String> backendNames() {
    return new ArrayList<>(backends.keySet());
  }

  /**
   * Moves recent latencies into the current 10 s slot, and frees the windows of backends that left the config;
   * call at least every 10 s. Thread-safe.
   */
  public void drainLatencyWindows() {
    for (BackendStats b : backends.values()) {
      b.drainOrRetireLatency();
    }
  }

  /** How many backends hold a latency window now. */
  int latencyWindows() {
    return (int) backends.values().stream().filter(BackendStats::hasLatencyWindow).count();
  }

  /** How many methods have a label of their own. */
  int methodsWithOwnLabel() {
    return methodLabels.admitted();
  }

  /** For the Prometheus collector of this package. */
  Iterable<BackendStats> backendStats() {
    return backends.values();
  }
}
