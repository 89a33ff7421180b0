package dev.siskin.router.metrics;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.accesslog.CountingAsyncAppender;
import dev.siskin.router.canary.ClassDistributionSnapshot;
import dev.siskin.router.canary.ShadowSnapshot;
import dev.siskin.router.config.ConfigState;
import dev.siskin.router.observe.CallListener;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.observe.ConnectionRefusal;
import dev.siskin.router.observe.EndpointSnapshot;
import dev.siskin.router.observe.FailureReport;
import dev.siskin.router.rollout.RolloutView;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's metrics in one place: call statistics, config metrics and JVM metrics on a registry of
 * their own (never the static default one, so two routers or two tests in one JVM do not share
 * counters), plus the timer that keeps the last-minute latency windows current.
 *
 * <p>Lifecycle: construct, {@link #start()}, {@link #close()}. Thread-safe.
 */
public final class RouterMetrics implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RouterMetrics.class);

  static final String ACCESS_LOG_DROPPED = "siskin_router_access_log_dropped_lines_total";
  static final String CONNECTIONS_REFUSED = "siskin_router_connections_refused_total";
  static final String FORCE_HEADER_UNUSABLE = "siskin_router_force_header_unusable_total";

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final CallStats calls;
  private final ConfigMetrics config;
  private final ScheduledExecutorService drainer;
  private final AtomicBoolean started = new AtomicBoolean();
  private final CallListener connectionRefusals;

  /**
   * @param config the config state in force (the proxy's published {@link ConfigState}); read at scrape
   */
  public RouterMetrics(Supplier<ConfigState> config) {
    this(new CallStats(inConfig(config)), config);
  }

  RouterMetrics(CallStats calls, Supplier<ConfigState> config) {
    this.calls = requireNonNull(calls, "calls");
    this.config = new ConfigMetrics(config, registry);
    registry.register(new CallMetricsCollector(calls));
    CounterWithCallback.builder().name(ACCESS_LOG_DROPPED)
        .help("Access log lines dropped because the log's output could not keep up (a lower bound)")
        .callback(cb -> cb.call(CountingAsyncAppender.droppedTotal()))
        .register(registry);
    JvmMetrics.builder().register(registry);
    Counter refused = Counter.builder().name(CONNECTIONS_REFUSED)
        .help("Client connections closed before they could carry a call, by reason: a failed TLS handshake "
            + "(not_tls: a plaintext client on the TLS listener; tls_no_client_certificate, "
            + "tls_bad_client_certificate: mTLS; tls_handshake_timeout; tls_not_h2; tls_handshake_failed) or a "
            + "client address over router.max-connections-per-client-address (too_many_connections)")
        .labelNames("reason")
        .register(registry);
    this.connectionRefusals = new CallListener() {
      @Override
      public void onCallFinished(CallOutcome outcome) {}

      @Override
      public void onConnectionRefused(ConnectionRefusal refusal) {
        refused.labelValues(refusal.reason()).inc();
      }
    };
    drainer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "siskin-metrics-window");
      t.setDaemon(true);
      return t;
    });
  }

  /** Whether a backend name is in the config in force; every name is while no config is loaded yet. */
  private static Predicate<String> inConfig(Supplier<ConfigState> config) {
    return name -> {
      ConfigState state = config.get();
      return state == null || state.current().backends().stream().anyMatch(b -> b.name().equals(name));
    };
  }

  /**
   * Adds {@code siskin_router_backend_endpoints{backend,state}}: each backend's addresses that take calls
   * (healthy) and that do not (unhealthy), read from {@code endpoints} (backend name to its addresses, in config
   * order) at scrape time.
   */
  public void registerEndpoints(Supplier<Map<String, List<EndpointSnapshot>>> endpoints) {
    registry.register(new EndpointMetricsCollector(endpoints));
  }

  /** Adds backend health, panic mode and retry metrics, read from {@code report} at scrape time. */
  public void registerFailureHandling(Supplier<FailureReport> report) {
    registry.register(new FailureMetricsCollector(report));
  }

  /**
   * Adds the shadow comparison and the served class distribution, read from the snapshots at scrape time.
   * Shadow copies are counted here alone, never in the served call metrics, so a backend's served share stays
   * true. Labels are bounded by the analysis itself (at most 16 classes, 64 backends).
   */
  public void registerCanary(Supplier<ShadowSnapshot> shadow, Supplier<ClassDistributionSnapshot> classes,
      IntSupplier shadowInFlight) {
    CounterWithCallback.builder().name("siskin_router_shadow_pairs")
        .help("Predict calls whose shadow copy was sent and finished (any status)")
        .callback(cb -> cb.call(shadow.get().pairs()))
        .register(registry);
    CounterWithCallback.builder().name("siskin_router_shadow_compared")
        .help("Shadowed Predict pairs with both answers OK and valid, compared")
        .callback(cb -> cb.call(shadow.get().compared()))
        .register(registry);
    CounterWithCallback.builder().name("siskin_router_shadow_agreed")
        .help("Compared shadow pairs with the same prediction")
        .callback(cb -> cb.call(shadow.get().agreed()))
        .register(registry);
    CounterWithCallback.builder().name("siskin_router_shadow_flips")
        .help("Compared shadow pairs by primary and shadow prediction (the flip matrix, diagonal included)")
        .labelNames("primary", "shadow")
        .callback(cb -> shadow.get().flips().forEach(f -> cb.call(f.count(), f.primary(), f.shadow())))
        .register(registry);
    CounterWithCallback.builder().name("siskin_router_shadow_status_pairs")
        .help("Shadowed Predict pairs by primary and shadow status code")
        .labelNames("primary_code", "shadow_code")
        .callback(cb -> shadow.get().statusPairs().forEach(
            p -> cb.call(p.count(), p.primary().name(), p.shadow().name())))
        .register(registry);
    CounterWithCallback.builder().name("siskin_router_shadow_skipped")
        .help("Calls selected for shadowing that got no copy to compare, by reason")
        .labelNames("reason")
        .callback(cb -> shadow.get().skipped().forEach((reason, n) -> cb.call(n, reason.label())))
        .register(registry);
    GaugeWithCallback.builder().name("siskin_router_shadow_in_flight")
        .help("Shadow copies running now (router-wide, capped by shadow.max-in-flight)")
        .callback(cb -> cb.call(shadowInFlight.getAsInt()))
        .register(registry);
    CounterWithCallback.builder().name("siskin_router_predictions_served")
        .help("Predict answers served with OK, by backend and predicted class")
        .labelNames("backend", "class")
        .callback(cb -> classes.get().backends().forEach((backend, counts) ->
            counts.byClass().forEach((cls, n) -> cb.call(n, backend, cls))))
        .register(registry);
  }

  /**
   * Adds the counter of force-header values the routing rules could not use: {@code problem="unknown-backend"}
   * (the call was refused with INVALID_ARGUMENT) and {@code problem="empty"} (routed as without the header).
   */
  /** The automated rollout's state, step, share, decisions and gate evidence (see {@link RolloutMetrics}). */
  /**
   * Adds {@code siskin_router_backend_tls_certificate_expiry_seconds{backend,file}}: for each backend with a
   * {@code tls} block, seconds until the first certificate of its client chain and of its CA file expires, read
   * from the files at scrape time (they are re-read every second for new connections too).
   */
  public void registerBackendTls(Supplier<List<dev.siskin.router.config.BackendSpec>> backends) {
    GaugeWithCallback.builder().name("siskin_router_backend_tls_certificate_expiry_seconds")
        .help("Seconds until the first certificate of a backend's TLS file expires (negative once it has): the "
            + "router's client chain (backends.<name>.tls.cert) and the CA it trusts (backends.<name>.tls.ca)")
        .labelNames("backend", "file")
        .callback(cb -> {
          for (var spec : backends.get()) {
            spec.tls().ifPresent(tls -> tls.readCertificates().forEach((file, certs) -> cb.call(
                certs.stream().mapToLong(c -> c.getNotAfter().getTime()).min().orElse(0)
                    / 1000.0 - System.currentTimeMillis() / 1000.0, spec.name(), file.setting())));
          }
        })
        .register(registry);
  }

  public void registerRollout(Supplier<RolloutView> rollout) {
    RolloutMetrics.register(registry, rollout);
  }

  public void registerRoutingRules(LongSupplier unknownBackend, LongSupplier empty) {
    CounterWithCallback.builder().name(FORCE_HEADER_UNUSABLE)
        .help("Calls whose force header (routing.force-header) named no backend or was empty")
        .labelNames("problem")
        .callback(cb -> {
          cb.call(unknownBackend.getAsLong(), "unknown-backend");
          cb.call(empty.getAsLong(), "empty");
        })
        .register(registry);
  }

  /** Starts updating the latency windows every 10 s (one slot). Idempotent. */
  public void start() {
    if (!started.compareAndSet(false, true)) {
      return;
    }
    long period = LatencyWindow.SLOT_NANOS;
    drainer.scheduleAtFixedRate(this::drainQuietly, period, period, TimeUnit.NANOSECONDS);
  }

  private void drainQuietly() {
    try {
      calls.drainLatencyWindows();
    } catch (RuntimeException e) {
      // A failure here must not cancel the schedule (scheduleAtFixedRate stops on the first throw).
      log.warn("Could not update latency windows", e);
    }
  }

  /** The listener the proxy reports every call to. */
  public CallStats calls() {
    return calls;
  }

  /** Counts the client connections refused before any call ({@link #CONNECTIONS_REFUSED}). */
  public CallListener connectionRefusals() {
    return connectionRefusals;
  }

  /** Call with each state published after a reload attempt; see {@link ConfigMetrics#recordReloadAttempt}. */
  public ConfigMetrics config() {
    return config;
  }

  /** What {@code /metrics} exposes. */
  public PrometheusRegistry registry() {
    return registry;
  }

  @Override
  public void close() {
    drainer.shutdownNow();
  }
}
