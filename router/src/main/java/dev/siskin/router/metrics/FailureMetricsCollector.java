package dev.siskin.router.metrics;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.observe.FailureReport;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Failure-handling metrics, read from a {@link FailureReport} at scrape time, so they cannot disagree with
 * {@code /clusters}:
 *
 * <pre>
 * siskin_router_backend_healthy{backend}                  1 while the backend gets new calls (healthy or not checked yet)
 * siskin_router_backend_ejections_total{backend}          outlier ejections since the backend was (re)created
 * siskin_router_panic                                     1 while no backend with a weight is healthy
 * siskin_router_retries_total{backend,code}               retries of calls whose attempt on backend failed with code
 * siskin_router_retries_skipped_total{reason}             retries not made: budget, buffer-limit
 * siskin_router_retries_in_progress                       retries holding the retry budget now
 * </pre>
 */
final class FailureMetricsCollector implements MultiCollector {
  static final String HEALTHY = "siskin_router_backend_healthy";
  static final String EJECTIONS = "siskin_router_backend_ejections";
  static final String PANIC = "siskin_router_panic";
  static final String RETRIES = "siskin_router_retries";
  static final String SKIPPED = "siskin_router_retries_skipped";
  static final String IN_PROGRESS = "siskin_router_retries_in_progress";

  private final Supplier<FailureReport> report;

  FailureMetricsCollector(Supplier<FailureReport> report) {
    this.report = requireNonNull(report, "report");
  }

  @Override
  public MetricSnapshots collect() {
    FailureReport r = report.get();
    GaugeSnapshot.Builder healthy = GaugeSnapshot.builder().name(HEALTHY)
        .help("1 while the backend gets new calls (healthy, or not checked yet), 0 while unhealthy or ejected");
    CounterSnapshot.Builder ejections = CounterSnapshot.builder().name(EJECTIONS)
        .help("Outlier-detection ejections of the backend since it was created (a re-targeted backend starts at 0)");
    for (FailureReport.BackendHealth b : r.backends()) {
      Labels backend = Labels.of("backend", b.name());
      healthy.dataPoint(GaugeDataPointSnapshot.builder().labels(backend).value(b.routable() ? 1 : 0).build());
      ejections.dataPoint(CounterDataPointSnapshot.builder().labels(backend).value(b.ejectionsTotal()).build());
    }
    CounterSnapshot.Builder retries = CounterSnapshot.builder().name(RETRIES)
        .help("Calls retried on another backend, by the backend whose attempt failed and its status code");
    for (Map.Entry<String, Map<String, Long>> byBackend : r.retriesByBackend().entrySet()) {
      for (Map.Entry<String, Long> byCode : byBackend.getValue().entrySet()) {
        retries.dataPoint(CounterDataPointSnapshot.builder()
            .labels(Labels.of("backend", byBackend.getKey(), "code", byCode.getKey()))
            .value(byCode.getValue())
            .build());
      }
    }
    CounterSnapshot skipped = CounterSnapshot.builder().name(SKIPPED)
        .help("Retryable failures not retried: budget (retry budget used up) or buffer-limit (request too large)")
        .dataPoint(CounterDataPointSnapshot.builder().labels(Labels.of("reason", "budget")).value(r.budgetExhausted()).build())
        .dataPoint(CounterDataPointSnapshot.builder().labels(Labels.of("reason", "buffer-limit"))
            .value(r.bufferLimitSkipped()).build())
        .build();
    GaugeSnapshot panic = GaugeSnapshot.builder().name(PANIC)
        .help("1 while no backend with a weight > 0 is healthy and calls go to all backends by weight")
        .dataPoint(GaugeDataPointSnapshot.builder().value(r.panic() ? 1 : 0).build())
        .build();
    GaugeSnapshot inProgress = GaugeSnapshot.builder().name(IN_PROGRESS)
        .help("Retries in progress, which the retry budget caps")
        .dataPoint(GaugeDataPointSnapshot.builder().value(r.retriesInProgress()).build())
        .build();
    return MetricSnapshots.of(healthy.build(), ejections.build(), retries.build(), skipped, panic, inProgress);
  }

  @Override
  public List<String> getPrometheusNames() {
    return List.of(HEALTHY, EJECTIONS, RETRIES, SKIPPED, PANIC, IN_PROGRESS);
  }
}
