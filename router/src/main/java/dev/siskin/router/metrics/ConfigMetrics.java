package dev.siskin.router.metrics;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.ConfigState;
import dev.siskin.router.config.ConfigState.ReloadAttempt;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Config metrics, in the manner of Prometheus' own {@code prometheus_config_*}. Gauges (generation,
 * last reload ok, last success time, weights) are read from the {@link ConfigState} in force at scrape
 * time, so they cannot disagree with {@code /config}. Only the reload counters need an event:
 * {@link #recordReloadAttempt}. Thread-safe.
 */
public final class ConfigMetrics {
  static final String RELOADS = "siskin_router_config_reloads_total";
  static final String GENERATION = "siskin_router_config_generation";
  static final String LAST_RELOAD_OK = "siskin_router_config_last_reload_successful";
  static final String LAST_SUCCESS_TIME = "siskin_router_config_last_reload_success_timestamp_seconds";
  static final String WEIGHT = "siskin_router_backend_weight";

  private final Supplier<ConfigState> config;
  private final Counter reloads;
  /** The attempt counted last, so one published state is never counted twice. */
  private final AtomicReference<ReloadAttempt> lastCounted = new AtomicReference<>();
  /** When the latest successful reload happened, as far as {@link #recordReloadAttempt} has seen. */
  private final AtomicReference<Instant> lastSuccessSeen = new AtomicReference<>();

  /**
   * Registers the config metrics.
   *
   * @param config   the state in force; may return null before the first config is loaded (the
   *                 gauges are then absent)
   * @param registry where to register
   */
  public ConfigMetrics(Supplier<ConfigState> config, PrometheusRegistry registry) {
    this.config = requireNonNull(config, "config");
    reloads = Counter.builder().name(RELOADS)
        .help("Attempts to reload the config file after start, by result (ok includes an unchanged file)")
        .labelNames("result")
        .register(registry);
    reloads.initLabelValues("ok");
    reloads.initLabelValues("failed");

    GaugeWithCallback.builder().name(GENERATION)
        .help("Generation of the config in force: 1 at start, +1 per applied change")
        .callback(cb -> withState(s -> cb.call(s.generation())))
        .register(registry);
    GaugeWithCallback.builder().name(LAST_RELOAD_OK)
        .help("1 when the last attempt to load the config file succeeded, else 0")
        .callback(cb -> withState(s -> cb.call(s.lastAttempt().ok() ? 1 : 0)))
        .register(registry);
    GaugeWithCallback.builder().name(LAST_SUCCESS_TIME)
        .help("Unix time of the last successful load of the config file")
        .callback(cb -> withState(s -> cb.call(lastSuccess(s).toEpochMilli() / 1000.0)))
        .register(registry);
    GaugeWithCallback.builder().name(WEIGHT)
        .help("Configured traffic weight of the backend in the config in force")
        .labelNames("backend")
        .callback(cb -> withState(s -> {
          for (BackendSpec b : s.current().backends()) {
            cb.call(b.weight(), b.name());
          }
        }))
        .register(registry);
  }

  /**
   * Counts one reload attempt (not the load at start): call it with each state the router publishes
   * after a reload attempt, applied or rejected. Calling it again with the same state counts nothing.
   */
  public void recordReloadAttempt(ConfigState state) {
    ReloadAttempt attempt = state.lastAttempt();
    ReloadAttempt previous = lastCounted.getAndSet(attempt);
    if (previous == attempt) {
      return;
    }
    reloads.labelValues(attempt.ok() ? "ok" : "failed").inc();
    if (attempt.ok()) {
      lastSuccessSeen.accumulateAndGet(attempt.at(), (a, b) -> a == null || b.isAfter(a) ? b : a);
    }
  }

  private Instant lastSuccess(ConfigState s) {
    if (s.lastAttempt().ok()) {
      return s.lastAttempt().at();
    }
    // The last attempt failed: the newest success is either the one that applied the config in force
    // or a later one that found the file unchanged.
    Instant seen = lastSuccessSeen.get();
    return seen != null && seen.isAfter(s.appliedAt()) ? seen : s.appliedAt();
  }

  private void withState(Consumer<ConfigState> action) {
    ConfigState s = config.get();
    if (s != null) {
      action.accept(s);
    }
  }
}
