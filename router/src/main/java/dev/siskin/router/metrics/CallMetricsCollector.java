package dev.siskin.router.metrics;

import dev.siskin.router.observe.RouteCause;
import io.grpc.Status;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.List;

/**
 * Exposes {@link CallStats} to a Prometheus registry, read at scrape time. The counters live in
 * {@link CallStats} rather than in Prometheus metric objects so that the hot path is plain
 * {@code LongAdder}s and {@code /clusters} reads the very same numbers.
 */
final class CallMetricsCollector implements MultiCollector {
  static final String CALLS = "siskin_router_calls";
  static final String DURATION = "siskin_router_call_duration_seconds";
  static final String IN_FLIGHT = "siskin_router_calls_in_flight";
  static final String CALLS_BY_ROUTE = "siskin_router_calls_by_route";
  static final String REQUEST_BYTES = "siskin_router_request_bytes";
  static final String RESPONSE_BYTES = "siskin_router_response_bytes";

  private final CallStats stats;

  CallMetricsCollector(CallStats stats) {
    this.stats = stats;
  }

  @Override
  public MetricSnapshots collect() {
    CounterSnapshot.Builder calls = CounterSnapshot.builder().name(CALLS)
        .help("Finished calls by backend, full gRPC method and final status code");
    HistogramSnapshot.Builder duration = HistogramSnapshot.builder().name(DURATION).unit(Unit.SECONDS)
        .help("Call duration from arrival at the router to close, by backend and full gRPC method");
    GaugeSnapshot.Builder inFlight = GaugeSnapshot.builder().name(IN_FLIGHT)
        .help("Calls routed to the backend and not finished yet");
    CounterSnapshot.Builder byRoute = CounterSnapshot.builder().name(CALLS_BY_ROUTE)
        .help("Finished calls by backend and by the routing rule that chose it (weight, header, sticky)");
    CounterSnapshot.Builder requestBytes = CounterSnapshot.builder().name(REQUEST_BYTES).unit(Unit.BYTES)
        .help("Request message bytes received from clients, by backend");
    CounterSnapshot.Builder responseBytes = CounterSnapshot.builder().name(RESPONSE_BYTES).unit(Unit.BYTES)
        .help("Response message bytes sent to clients, by backend");

    for (BackendStats b : stats.backendStats()) {
      long finished = 0;
      for (MethodStats m : b.methods()) {
        for (Status.Code code : MethodStats.codes()) {
          long n = m.calls(code);
          if (n != 0) {
            finished += n;
            calls.dataPoint(CounterDataPointSnapshot.builder()
                .labels(Labels.of("backend", b.name, "method", m.label, "code", code.name()))
                .value(n)
                .build());
          }
        }
        duration.dataPoint(HistogramDataPointSnapshot.builder()
            .labels(Labels.of("backend", b.name, "method", m.label))
            .classicHistogramBuckets(
                ClassicHistogramBuckets.of(DurationBuckets.UPPER_BOUNDS_SECONDS, m.durationBucketCounts()))
            .sum(m.durationSumSeconds())
            .build());
      }
      for (RouteCause cause : RouteCause.values()) {
        long n = b.calls(cause);
        if (n != 0) {
          byRoute.dataPoint(CounterDataPointSnapshot.builder()
              .labels(Labels.of("backend", b.name, "route", cause.label())).value(n).build());
        }
      }
      Labels backend = Labels.of("backend", b.name);
      if (b.tracksInFlight()) {
        inFlight.dataPoint(GaugeDataPointSnapshot.builder().labels(backend).value(b.inFlight(finished)).build());
      }
      requestBytes.dataPoint(CounterDataPointSnapshot.builder().labels(backend).value(b.bytesIn()).build());
      responseBytes.dataPoint(CounterDataPointSnapshot.builder().labels(backend).value(b.bytesOut()).build());
    }
    return MetricSnapshots.of(calls.build(), duration.build(), inFlight.build(), byRoute.build(),
        requestBytes.build(), responseBytes.build());
  }

  @Override
  public List<String> getPrometheusNames() {
    return List.of(CALLS, DURATION, IN_FLIGHT, CALLS_BY_ROUTE, REQUEST_BYTES, RESPONSE_BYTES);
  }
}
