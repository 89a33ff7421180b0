package dev.siskin.router.metrics;

import static dev.siskin.router.testing.Configs.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.siskin.router.testing.Configs;
import dev.siskin.router.testing.RouterHarness;
import dev.siskin.router.testing.TestBackend;
import io.grpc.CallOptions;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The call metrics as the router feeds them (a real router on loopback in front of two test backends, the
 * metrics wired as {@code RouterMain} wires them): a flood of junk method names, and a backend that a reload
 * removes and a later one brings back.
 */
class RouterCallMetricsTest {
  private static final Metadata.Key<String> CANARY_BACKEND =
      Metadata.Key.of("x-canary-backend", Metadata.ASCII_STRING_MARSHALLER);
  private static final String UNARY = SimpleServiceGrpc.getUnaryRpcMethod().getFullMethodName();

  private TestBackend v1;
  private TestBackend v2;
  private RouterHarness harness;
  private RouterMetrics metrics;

  @BeforeEach
  void start() throws Exception {
    v1 = new TestBackend("v1");
    v2 = new TestBackend("v2");
    harness = new RouterHarness(Configs.of(backend(v1, 1), backend(v2, 1)));
    metrics = new RouterMetrics(harness.router::configState);
    harness.router.addCallListener(metrics.calls());
  }

  @AfterEach
  void stop() throws Exception {
    harness.close();
    metrics.close();
    v1.close();
    v2.close();
  }

  @Test
  void aFloodOfLongJunkNamesAddsOneSeriesPerBackendAndTheRealMethodKeepsItsOwn() throws Exception {
    split(10);
    int before = callMetrics().length();
    Random random = new Random(7);
    for (int i = 0; i < 300; i++) {
      MethodDescriptor<SimpleRequest, ?> junk = SimpleServiceGrpc.getUnaryRpcMethod().toBuilder()
          .setFullMethodName(CallOutcomes.randomMethodName(random, 7_000)).build();
      StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
          () -> ClientCalls.blockingUnaryCall(harness.channel, junk,
              CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), request()));
      assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    }
    split(10);

    String after = callMetrics();
    // Per backend one calls line and a 19-line histogram for __unknown__, under 100 bytes a line.
    assertThat(after.length() - before).as("bytes the flood added to the scrape").isLessThan(2 * 20 * 100);
    Map<String, Long> calls = new HashMap<>();
    PrometheusTextParser.parse(after).get("siskin_router_calls_total").samples().forEach(s -> calls.put(
        s.labels().get("backend") + " " + s.labels().get("method") + " " + s.labels().get("code"), (long) s.value()));
    assertThat(calls).containsOnly(Map.entry("v1 " + UNARY + " OK", 10L), Map.entry("v2 " + UNARY + " OK", 10L),
        Map.entry("v1 __unknown__ UNIMPLEMENTED", 150L), Map.entry("v2 __unknown__ UNIMPLEMENTED", 150L));
  }

  @Test
  void aRemovedBackendLosesItsLatencyWindowKeepsItsCountersAndWorksWhenItIsBack() throws Exception {
    assertThat(split(10)).containsOnly(Map.entry("v1", 5), Map.entry("v2", 5));
    CallStats stats = metrics.calls();
    assertThat(stats.latencyWindows()).isEqualTo(2);

    harness.router.apply(Configs.of(backend(v1, 1)));
    stats.drainLatencyWindows(); // what the metrics timer does every 10 s
    assertThat(stats.latencyWindows()).isEqualTo(1);
    BackendSnapshot removed = stats.snapshot("v2").orElseThrow();
    assertThat(removed.callsTotal()).isEqualTo(5);
    assertThat(removed.latencySinceStart()).isEqualTo(LatencyPercentiles.EMPTY);
    assertThat(scrape()).contains("siskin_router_calls_total{backend=\"v2\",code=\"OK\",method=\"" + UNARY + "\"} 5.0");

    harness.router.apply(Configs.of(backend(v1, 1), backend(v2, 1)));
    assertThat(split(10)).containsOnly(Map.entry("v1", 5), Map.entry("v2", 5));
    assertThat(stats.latencyWindows()).isEqualTo(2);
    BackendSnapshot back = stats.snapshot("v2").orElseThrow();
    assertThat(back.callsTotal()).as("counters continue where they stopped").isEqualTo(10);
    assertThat(back.latencySinceStart().calls()).as("latency since it came back").isEqualTo(5);
    assertThat(scrape()).contains("siskin_router_calls_total{backend=\"v2\",code=\"OK\",method=\"" + UNARY + "\"} 10.0");
  }

  /** Calls {@code calls} times; answers per backend, by the x-canary-backend header. */
  private Map<String, Integer> split(int calls) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < calls; i++) {
      AtomicReference<Metadata> headers = new AtomicReference<>();
      SimpleServiceGrpc.newBlockingStub(harness.channel).withDeadlineAfter(10, TimeUnit.SECONDS)
          .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>()))
          .unaryRpc(request());
      counts.merge(headers.get().get(CANARY_BACKEND), 1, Integer::sum);
    }
    return counts;
  }

  private static SimpleRequest request() {
    return SimpleRequest.newBuilder().setRequestMessage("hi").build();
  }

  /** All of /metrics. */
  private String scrape() throws IOException {
    return text(metrics.registry().scrape());
  }

  /** The call families of /metrics only (the JVM's values change from one scrape to the next). */
  private String callMetrics() throws IOException {
    return text(new CallMetricsCollector(metrics.calls()).collect());
  }

  private static String text(MetricSnapshots snapshots) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ExpositionFormats.init().getPrometheusTextFormatWriter().write(out, snapshots);
    return out.toString(StandardCharsets.UTF_8);
  }
}
