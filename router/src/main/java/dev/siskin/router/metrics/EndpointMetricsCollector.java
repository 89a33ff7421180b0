package dev.siskin.router.metrics;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.observe.EndpointSnapshot;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The addresses of each backend, read at scrape time from the same snapshots as {@code /clusters}:
 *
 * <pre>
 * siskin_router_backend_endpoints{backend,state="healthy"}    addresses that take calls (READY, health SERVING)
 * siskin_router_backend_endpoints{backend,state="unhealthy"}  addresses that do not (connecting, failed, NOT_SERVING)
 * </pre>
 *
 * Removed addresses still draining their calls are not counted. 0 healthy is an empty (or all-failing) headless
 * Service; both 0 before the channel's first resolution.
 */
final class EndpointMetricsCollector implements MultiCollector {
  static final String ENDPOINTS = "siskin_router_backend_endpoints";

  private final Supplier<Map<String, List<EndpointSnapshot>>> endpoints;

  EndpointMetricsCollector(Supplier<Map<String, List<EndpointSnapshot>>> endpoints) {
    this.endpoints = requireNonNull(endpoints, "endpoints");
  }

  @Override
  public MetricSnapshots collect() {
    GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(ENDPOINTS)
        .help("Addresses of the backend by state: healthy (take calls) or unhealthy; removed ones not counted");
    endpoints.get().forEach((backend, list) -> {
      long healthy = list.stream().filter(e -> !e.removed() && e.healthy()).count();
      long unhealthy = list.stream().filter(e -> !e.removed() && !e.healthy()).count();
      gauge.dataPoint(point(backend, "healthy", healthy));
      gauge.dataPoint(point(backend, "unhealthy", unhealthy));
    });
    return MetricSnapshots.of(gauge.build());
  }

  private static GaugeDataPointSnapshot point(String backend, String state, long value) {
    return GaugeDataPointSnapshot.builder().labels(Labels.of("backend", backend, "state", state)).value(value).build();
  }
}
