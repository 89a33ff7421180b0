package dev.siskin.router.admin;

import static dev.siskin.router.metrics.CallOutcomes.PREDICT;
import static dev.siskin.router.metrics.CallOutcomes.feedKnownSplit;
import static dev.siskin.router.metrics.CallOutcomes.outcome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.siskin.router.admin.http.HttpLimits;
import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.ConfigState;
import dev.siskin.router.config.ConfigState.ReloadAttempt;
import dev.siskin.router.config.RouterSettings;
import dev.siskin.router.config.RoutingSettings;
import dev.siskin.router.metrics.CallStats;
import dev.siskin.router.metrics.PrometheusTextParser;
import dev.siskin.router.observe.DnsSnapshot;
import dev.siskin.router.observe.EndpointSnapshot;
import dev.siskin.router.metrics.PrometheusTextParser.Family;
import dev.siskin.router.metrics.PrometheusTextParser.Sample;
import dev.siskin.router.metrics.RouterMetrics;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.observe.RouteCause;
import dev.siskin.router.route.Policy;
import io.grpc.Status;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminServerTest {
  private static final Path SOURCE = Path.of("config/canary.conf");
  private static final Instant START = Instant.parse("2025-01-01T12:00:00Z");
  private static final Map<String, List<String>> RESOLVED =
      Map.of("v1", List.of("127.0.0.1:50052"), "v2", List.of("10.0.0.7:50051", "10.0.0.8:50051"));

  /** v2 behind a DNS name: one address taking calls, one failing its health check, one removed but draining. */
  private static final List<EndpointSnapshot> V2_ENDPOINTS = List.of(
      new EndpointSnapshot("10.0.0.7:50051", "READY", true, 2, 40, 1, false),
      new EndpointSnapshot("10.0.0.8:50051", "TRANSIENT_FAILURE", false, 0, 3, 0, false),
      new EndpointSnapshot("10.0.0.9:50051", "DRAINING", false, 1, 17, 0, true));
  private static final DnsSnapshot V2_DNS = new DnsSnapshot(START.plusSeconds(10),
      "UnknownHostException: v2.ns.svc: Temporary failure in name resolution", START.plusSeconds(15), true);

  private final ObjectMapper mapper = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final AtomicReference<ConfigState> config = new AtomicReference<>(initialState(90, 10));
  private final Readiness readiness = new Readiness();
  private RouterMetrics metrics;
  private AdminServer server;

  @BeforeEach
  void start() throws IOException {
    metrics = new RouterMetrics(config::get);
    metrics.registerEndpoints(() -> {
      Map<String, List<EndpointSnapshot>> byBackend = new java.util.LinkedHashMap<>();
      if (config.get() == null) { // before the first load, as the router's: no backends yet
        return byBackend;
      }
      directory().forEach(v -> byBackend.put(v.name(), v.endpoints()));
      return byBackend;
    });
    server = AdminServer.builder()
        .address("127.0.0.1:0")
        .readiness(readiness)
        .config(config::get)
        .backends(this::directory)
        .metrics(metrics)
        .start();
  }

  @AfterEach
  void stop() {
    server.close();
    metrics.close();
  }

  /** Like the proxy's: the backends of the config in force with their resolved addresses. */
  private List<BackendView> directory() {
    return config.get().current().backends().stream()
        .map(b -> b.name().equals("v2")
            ? new BackendView(b.name(), b.target(), b.weight(), RESOLVED.get("v2"), V2_ENDPOINTS, V2_DNS)
            : new BackendView(b.name(), b.target(), b.weight(), RESOLVED.getOrDefault(b.name(), List.of())))
        .toList();
  }

  @Test
  void clustersShowEachAddressWithItsStateAndCallsAndWhatDnsSaid() throws Exception {
    JsonNode backends = mapper.readTree(get("/clusters").body()).get("backends");
    JsonNode v1 = backends.get(0);
    assertThat(v1.get("endpoints")).isEmpty();
    assertThat(v1.get("dns").toString())
        .isEqualTo("{\"lastSuccessAt\":null,\"lastError\":null,\"lastErrorAt\":null,\"failing\":false}");
    JsonNode v2 = backends.get(1);
    assertThat(texts(v2.get("addresses"))).containsExactly("10.0.0.7:50051", "10.0.0.8:50051"); // unchanged field
    assertThat(v2.get("endpoints").get(0).toString()).isEqualTo("{\"address\":\"10.0.0.7:50051\",\"state\":\"READY\","
        + "\"healthy\":true,\"inFlight\":2,\"calls\":40,\"failed\":1,\"removed\":false}");
    assertThat(v2.get("endpoints").get(1).get("state").asText()).isEqualTo("TRANSIENT_FAILURE");
    assertThat(v2.get("endpoints").get(2).get("removed").asBoolean()).isTrue();
    assertThat(v2.get("dns").toString()).isEqualTo("{\"lastSuccessAt\":\"2025-01-01T12:00:10Z\","
        + "\"lastError\":\"UnknownHostException: v2.ns.svc: Temporary failure in name resolution\","
        + "\"lastErrorAt\":\"2025-01-01T12:00:15Z\",\"failing\":true}");

    Family endpoints = PrometheusTextParser.parse(get("/metrics").body()).get("siskin_router_backend_endpoints");
    assertThat(values(endpoints, "siskin_router_backend_endpoints")).containsOnly(
        Map.entry(Map.of("backend", "v1", "state", "healthy"), 0.0),
        Map.entry(Map.of("backend", "v1", "state", "unhealthy"), 0.0),
        Map.entry(Map.of("backend", "v2", "state", "healthy"), 1.0),
        Map.entry(Map.of("backend", "v2", "state", "unhealthy"), 1.0)); // the draining one is not counted
  }

  @Test
  void clustersShowExactCountsOfTheKnownSplit() throws Exception {
    feedKnownSplit(metrics.calls());
    metrics.calls().onCallStarted("v1", PREDICT); // one call still in flight

    HttpResponse<String> r = get("/clusters");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode root = mapper.readTree(r.body());
    assertThat(root.get("generation").asLong()).isEqualTo(1);
    assertThat(root.get("policy").asText()).isEqualTo("smooth-weighted-round-robin");
    assertThat(root.get("totalWeight").asLong()).isEqualTo(100);
    assertThat(root.get("backends")).hasSize(2);

    JsonNode v1 = root.get("backends").get(0);
    assertThat(v1.get("name").asText()).isEqualTo("v1");
    assertThat(v1.get("configured").asBoolean()).isTrue();
    assertThat(v1.get("target").asText()).isEqualTo("127.0.0.1:50052");
    assertThat(texts(v1.get("addresses"))).containsExactly("127.0.0.1:50052");
    assertThat(v1.get("weight").asInt()).isEqualTo(90);
    assertThat(v1.get("share").asDouble()).isEqualTo(0.9);
    assertThat(v1.get("inFlight").asLong()).isEqualTo(1);
    assertThat(v1.get("callsTotal").asLong()).isEqualTo(90);
    assertThat(fields(v1.get("callsByStatus"))).containsExactly(Map.entry("OK", 90L));
    assertThat(v1.get("bytesIn").asLong()).isEqualTo(4500);
    assertThat(v1.get("bytesOut").asLong()).isEqualTo(2700);
    JsonNode lastMinute = v1.get("latencyMs").get("lastMinute");
    assertThat(lastMinute.get("calls").asLong()).isEqualTo(90);
    assertThat(lastMinute.get("p50").asDouble()).isCloseTo(45.0, within(0.45));
    assertThat(lastMinute.get("p99").asDouble()).isCloseTo(90.0, within(0.9));
    assertThat(v1.get("latencyMs").get("sinceStart").get("calls").asLong()).isEqualTo(90);

    JsonNode v2 = root.get("backends").get(1);
    assertThat(v2.get("name").asText()).isEqualTo("v2");
    assertThat(texts(v2.get("addresses"))).containsExactly("10.0.0.7:50051", "10.0.0.8:50051");
    assertThat(v2.get("share").asDouble()).isEqualTo(0.1);
    assertThat(v2.get("inFlight").asLong()).isZero();
    assertThat(v2.get("callsTotal").asLong()).isEqualTo(10);
    assertThat(fields(v2.get("callsByStatus"))).containsExactly(Map.entry("OK", 7L), Map.entry("UNAVAILABLE", 3L));
    assertThat(v2.get("bytesOut").asLong()).isEqualTo(210);
  }

  @Test
  void clustersListCallsOfUnconfiguredBackendsAfterTheConfiguredOnes() throws Exception {
    metrics.calls().onCallFinished(outcome(CallStats.NO_BACKEND, PREDICT, Status.Code.UNAVAILABLE, 0, 10, 0));

    JsonNode backends = mapper.readTree(get("/clusters").body()).get("backends");
    assertThat(backends).hasSize(3);
    JsonNode none = backends.get(2);
    assertThat(none.get("name").asText()).isEqualTo("-");
    assertThat(none.get("configured").asBoolean()).isFalse();
    assertThat(none.get("target").isNull()).isTrue();
    assertThat(fields(none.get("callsByStatus"))).containsExactly(Map.entry("UNAVAILABLE", 1L));
    assertThat(backends.get(0).get("callsTotal").asLong()).isZero();
    assertThat(backends.get(0).get("latencyMs").get("lastMinute").get("p50").isNull()).isTrue();
  }

  @Test
  void metricsParseStrictlyAndMatchTheCallsExactly() throws Exception {
    feedKnownSplit(metrics.calls());

    HttpResponse<String> r = get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    Map<String, Family> families = PrometheusTextParser.parse(r.body());

    Family calls = families.get("siskin_router_calls_total");
    assertThat(calls.type()).isEqualTo("counter");
    assertThat(values(calls, "siskin_router_calls_total")).containsOnly(
        Map.entry(Map.of("backend", "v1", "method", PREDICT, "code", "OK"), 90.0),
        Map.entry(Map.of("backend", "v2", "method", PREDICT, "code", "OK"), 7.0),
        Map.entry(Map.of("backend", "v2", "method", PREDICT, "code", "UNAVAILABLE"), 3.0));

    Family duration = families.get("siskin_router_call_duration_seconds");
    assertThat(duration.type()).isEqualTo("histogram");
    assertHistogramConsistent(duration);
    Map<String, String> v1 = Map.of("backend", "v1", "method", PREDICT);
    Map<String, Double> v1Buckets = buckets(duration, v1);
    // v1 served one call each of 1..90 ms; a bucket counts calls <= its bound.
    // The Java client writes small bounds in Java notation (1.0E-4); Prometheus parses both as floats.
    assertThat(v1Buckets).containsEntry("5.0E-4", 0.0).containsEntry("0.001", 1.0).containsEntry("0.0025", 2.0)
        .containsEntry("0.005", 5.0).containsEntry("0.01", 10.0).containsEntry("0.025", 25.0)
        .containsEntry("0.05", 50.0).containsEntry("0.1", 90.0).containsEntry("10.0", 90.0)
        .containsEntry("+Inf", 90.0);
    assertThat(v1Buckets).hasSize(17);
    assertThat(value(duration, "siskin_router_call_duration_seconds_count", v1)).isEqualTo(90.0);
    assertThat(value(duration, "siskin_router_call_duration_seconds_sum", v1)).isCloseTo(4.095, within(1e-9));
    assertThat(value(duration, "siskin_router_call_duration_seconds_count", Map.of("backend", "v2", "method", PREDICT)))
        .isEqualTo(10.0);

    Family inFlight = families.get("siskin_router_calls_in_flight");
    assertThat(inFlight.type()).isEqualTo("gauge");
    assertThat(values(inFlight, "siskin_router_calls_in_flight"))
        .containsOnly(Map.entry(Map.of("backend", "v1"), 0.0), Map.entry(Map.of("backend", "v2"), 0.0));
    assertThat(families.get("siskin_router_request_bytes_total").type()).isEqualTo("counter");
    assertThat(value(families.get("siskin_router_request_bytes_total"), "siskin_router_request_bytes_total",
        Map.of("backend", "v2"))).isEqualTo(500.0);
    assertThat(value(families.get("siskin_router_response_bytes_total"), "siskin_router_response_bytes_total",
        Map.of("backend", "v1"))).isEqualTo(2700.0);

    assertThat(single(families, "siskin_router_config_generation", "gauge")).isEqualTo(1.0);
    assertThat(single(families, "siskin_router_config_last_reload_successful", "gauge")).isEqualTo(1.0);
    assertThat(single(families, "siskin_router_config_last_reload_success_timestamp_seconds", "gauge"))
        .isEqualTo((double) START.getEpochSecond());
    Family weights = families.get("siskin_router_backend_weight");
    assertThat(weights.type()).isEqualTo("gauge");
    assertThat(values(weights, "siskin_router_backend_weight"))
        .containsOnly(Map.entry(Map.of("backend", "v1"), 90.0), Map.entry(Map.of("backend", "v2"), 10.0));
    Family reloads = families.get("siskin_router_config_reloads_total");
    assertThat(reloads.type()).isEqualTo("counter");
    assertThat(values(reloads, "siskin_router_config_reloads_total"))
        .containsOnly(Map.entry(Map.of("result", "ok"), 0.0), Map.entry(Map.of("result", "failed"), 0.0));
    assertThat(families.get("siskin_router_access_log_dropped_lines_total").type()).isEqualTo("counter");

    assertThat(families).containsKeys("jvm_memory_used_bytes", "jvm_threads_current");
    for (Family f : families.values()) {
      if (f.type().equals("histogram")) {
        assertHistogramConsistent(f);
      }
    }
  }

  /** Calls counted by the rule that routed them, the same in /clusters and /metrics; router-answered ones under "-". */
  @Test
  void clustersAndMetricsCountCallsByTheRuleThatRoutedThem() throws Exception {
    for (RouteCause cause : List.of(RouteCause.WEIGHT, RouteCause.WEIGHT, RouteCause.STICKY, RouteCause.HEADER)) {
      metrics.calls().onCallStarted("v2", PREDICT);
      metrics.calls().onCallFinished(new CallOutcome("v2", PREDICT, Status.Code.OK, false, START, 1_000_000, 10, 10,
          "127.0.0.1:1", 1, cause, cause == RouteCause.HEADER ? 0.0 : 0.1));
    }
    metrics.calls().onCallFinished(new CallOutcome("-", PREDICT, Status.Code.INVALID_ARGUMENT, true, START, 1_000,
        0, 0, "127.0.0.1:1", 0, RouteCause.HEADER, 0.0));

    JsonNode backends = mapper.readTree(get("/clusters").body()).get("backends");
    assertThat(fields(backends.get(0).get("callsByRoute"))).isEmpty();
    assertThat(fields(backends.get(1).get("callsByRoute")))
        .containsExactly(Map.entry("weight", 2L), Map.entry("header", 1L), Map.entry("sticky", 1L));
    assertThat(fields(backends.get(2).get("callsByRoute"))).containsExactly(Map.entry("header", 1L));
    Family byRoute = PrometheusTextParser.parse(get("/metrics").body()).get("siskin_router_calls_by_route_total");
    assertThat(values(byRoute, "siskin_router_calls_by_route_total")).containsOnly(
        Map.entry(Map.of("backend", "v2", "route", "weight"), 2.0),
        Map.entry(Map.of("backend", "v2", "route", "header"), 1.0),
        Map.entry(Map.of("backend", "v2", "route", "sticky"), 1.0),
        Map.entry(Map.of("backend", "-", "route", "header"), 1.0));
  }

  @Test
  void configShowsAReloadThenARejectedReloadWhileTheGenerationStays() throws Exception {
    JsonNode initial = mapper.readTree(get("/config").body());
    assertThat(initial.get("generation").asLong()).isEqualTo(1);
    assertThat(initial.get("source").asText()).isEqualTo(SOURCE.toString());
    assertThat(initial.get("appliedAt").asText()).isEqualTo("2025-01-01T12:00:00Z");
    assertThat(initial.get("router").get("admin").asText()).isEqualTo("127.0.0.1:9901");
    assertThat(initial.get("router").get("policy").asText()).isEqualTo("smooth-weighted-round-robin");
    assertThat(initial.get("lastAttempt").get("ok").asBoolean()).isTrue();
    assertThat(initial.get("lastAttempt").get("error").isNull()).isTrue();
    assertThat(initial.get("routing").toString()).isEqualTo("{\"forceHeader\":\"x-canary-backend\",\"stickyHeader\":\"\","
        + "\"stickySalt\":\"\",\"order\":\"force-header x-canary-backend, then weights\"}");

    Instant reloadAt = START.plusSeconds(60);
    ConfigState applied = new ConfigState(canary(50, 50, reloadAt)
        .withRouting(new RoutingSettings("", "x-user-id", "rollout-2")), 2, reloadAt, new ReloadAttempt(reloadAt, true, null));
    publish(applied);
    JsonNode afterReload = mapper.readTree(get("/config").body());
    assertThat(afterReload.get("generation").asLong()).isEqualTo(2);
    assertThat(afterReload.get("appliedAt").asText()).isEqualTo("2025-01-01T12:01:00Z");
    assertThat(afterReload.get("backends").get(1).get("weight").asInt()).isEqualTo(50);
    assertThat(afterReload.get("routing").toString()).isEqualTo("{\"forceHeader\":\"\",\"stickyHeader\":\"x-user-id\","
        + "\"stickySalt\":\"rollout-2\",\"order\":\"sticky-header x-user-id, then weights\"}");

    String error = "config/canary.conf:7: backends.v2.weight: -5 (expected: an integer >= 0)";
    Instant rejectedAt = START.plusSeconds(120);
    publish(new ConfigState(applied.current(), 2, reloadAt, new ReloadAttempt(rejectedAt, false, error)));
    JsonNode afterRejected = mapper.readTree(get("/config").body());
    assertThat(afterRejected.get("generation").asLong()).isEqualTo(2);
    assertThat(afterRejected.get("backends").get(1).get("weight").asInt()).isEqualTo(50);
    assertThat(afterRejected.get("lastAttempt").get("ok").asBoolean()).isFalse();
    assertThat(afterRejected.get("lastAttempt").get("at").asText()).isEqualTo("2025-01-01T12:02:00Z");
    assertThat(afterRejected.get("lastAttempt").get("error").asText()).isEqualTo(error);

    Map<String, Family> families = PrometheusTextParser.parse(get("/metrics").body());
    assertThat(values(families.get("siskin_router_config_reloads_total"), "siskin_router_config_reloads_total"))
        .containsOnly(Map.entry(Map.of("result", "ok"), 1.0), Map.entry(Map.of("result", "failed"), 1.0));
    assertThat(single(families, "siskin_router_config_generation", "gauge")).isEqualTo(2.0);
    assertThat(single(families, "siskin_router_config_last_reload_successful", "gauge")).isEqualTo(0.0);
    assertThat(single(families, "siskin_router_config_last_reload_success_timestamp_seconds", "gauge"))
        .isEqualTo((double) reloadAt.getEpochSecond());

    JsonNode clusters = mapper.readTree(get("/clusters").body());
    assertThat(clusters.get("generation").asLong()).isEqualTo(2);
    assertThat(clusters.get("backends").get(0).get("share").asDouble()).isEqualTo(0.5);
  }

  @Test
  void aStateRecordedTwiceCountsOnce() throws Exception {
    ConfigState rejected = new ConfigState(config.get().current(), 1, START,
        new ReloadAttempt(START.plusSeconds(5), false, "bad"));
    publish(rejected);
    metrics.config().recordReloadAttempt(rejected);
    Map<String, Family> families = PrometheusTextParser.parse(get("/metrics").body());
    assertThat(value(families.get("siskin_router_config_reloads_total"), "siskin_router_config_reloads_total",
        Map.of("result", "failed"))).isEqualTo(1.0);
  }

  @Test
  void unknownPathIs404WithTheListOfPaths() throws Exception {
    HttpResponse<String> r = get("/stats");
    assertThat(r.statusCode()).isEqualTo(404);
    JsonNode body = mapper.readTree(r.body());
    assertThat(body.get("error").asText()).isEqualTo("no such path: /stats");
    assertThat(texts(body.get("paths"))).containsExactly("/ready", "/live", "/clusters", "/config", "/metrics", "/");
  }

  @Test
  void onlyGetAndHeadAreAllowed() throws Exception {
    HttpResponse<String> post = http.send(request("/clusters").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    assertThat(mapper.readTree(post.body()).get("error").asText()).contains("POST");

    HttpResponse<String> delete = http.send(request("/config").DELETE().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(delete.statusCode()).isEqualTo(405);

    HttpResponse<String> head = http.send(request("/clusters").method("HEAD", HttpRequest.BodyPublishers.noBody())
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.headers().firstValue("Content-Type")).hasValue("application/json");
  }

  @Test
  void readyFollowsTheRouterPhaseAndLiveIsAlwaysOk() throws Exception {
    assertThat(get("/ready")).satisfies(r -> {
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).isEqualTo("starting\n");
    });
    readiness.markServing();
    assertThat(get("/ready")).satisfies(r -> {
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("ready\n");
    });
    readiness.markDraining();
    readiness.markServing(); // never goes back
    assertThat(get("/ready")).satisfies(r -> {
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).isEqualTo("draining\n");
    });
    assertThat(get("/live").statusCode()).isEqualTo(200);
  }

  @Test
  void openMetricsWhenTheScraperAsksForIt() throws Exception {
    HttpResponse<String> r = http.send(request("/metrics")
        .header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
    assertThat(r.body()).endsWith("# EOF\n");
  }

  @Test
  void aFailingSourceGives500AndTheServerKeepsServing() throws Exception {
    try (AdminServer failing = AdminServer.builder()
        .address("127.0.0.1:0")
        .readiness(readiness)
        .config(config::get)
        .backends(() -> {
          throw new IllegalStateException("backend pool closed");
        })
        .metrics(metrics)
        .start()) {
      for (int i = 0; i < 5; i++) { // more requests than the server has threads
        HttpResponse<String> r = get(failing, "/clusters");
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(mapper.readTree(r.body()).get("error").asText()).contains("backend pool closed");
      }
      assertThat(get(failing, "/live").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void configBeforeTheFirstLoadIs503() throws Exception {
    config.set(null);
    assertThat(get("/config").statusCode()).isEqualTo(503);
    assertThat(get("/metrics").statusCode()).isEqualTo(200);
  }

  @Test
  void loopbackBindingIsNotReachableOnTheOtherAddressesOfThisMachine() throws Exception {
    assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
    InetAddress other = nonLoopbackAddressOfThisMachine();
    assumeTrue(other != null, "this machine has no non-loopback address");

    try (Socket viaLoopback = new Socket()) {
      viaLoopback.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), 10_000);
    }
    assertThatThrownBy(() -> {
      try (Socket viaOther = new Socket()) {
        viaOther.connect(new InetSocketAddress(other, server.port()), 10_000);
      }
    }).as("connect to %s:%d", other.getHostAddress(), server.port()).isInstanceOf(ConnectException.class);
  }

  @Test
  void stalledAndSlowClientsDoNotDelayReady() throws Exception {
    readiness.markServing();
    List<RawHttp> stalled = new ArrayList<>();
    ExecutorService slowLoris = Executors.newSingleThreadExecutor();
    try {
      for (int i = 0; i < 8; i++) { // a partial request line, then nothing
        stalled.add(RawHttp.connect(server.port(), Duration.ofSeconds(5)).send("GET /re"));
      }
      RawHttp slow = RawHttp.connect(server.port(), Duration.ofSeconds(5))
          .send("GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      stalled.add(slow);
      slowLoris.submit(() -> { // one byte a second, never a whole head
        for (int i = 0; i < 20; i++) {
          slow.send("x");
          Thread.sleep(1000);
        }
        return null;
      });

      for (int i = 0; i < 5; i++) {
        assertReadyWithinASecond(server);
        Thread.sleep(300); // spread over the slow-loris's bytes
      }
    } finally {
      slowLoris.shutdownNow();
      for (RawHttp s : stalled) {
        s.close();
      }
    }
    assertThat(get("/ready").statusCode()).isEqualTo(200);
    assertThat(get("/clusters").statusCode()).isEqualTo(200);
  }

  @Test
  void aRequestBodyIsRefusedUnreadAndTheConnectionClosed() throws Exception {
    // A gigabyte announced, a few bytes sent: an answer must not wait for the rest.
    assertRefusedUnread("POST /clusters HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: 1000000000\r\n\r\n{\"a\":", 405);
    assertRefusedUnread("PUT /config HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000000\r\n\r\n", 405);
    assertRefusedUnread("GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000000\r\n\r\nabc", 413);
    assertRefusedUnread("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n", 413);
    assertThat(get("/live").statusCode()).isEqualTo(200);
  }

  private void assertRefusedUnread(String partialRequest, int status) throws IOException {
    try (RawHttp c = RawHttp.connect(server.port(), Duration.ofSeconds(3))) {
      RawHttp.Reply r = c.send(partialRequest).read();
      assertThat(r.status()).as(partialRequest).isEqualTo(status);
      assertThat(r.header("Connection")).isEqualTo("close");
      if (status == 405) {
        assertThat(r.header("Allow")).isEqualTo("GET, HEAD");
      }
      assertThat(mapper.readTree(r.body()).get("error").asText()).isNotEmpty();
      assertThat(c.awaitEnd()).as("closed without the rest of the body").isEqualTo(RawHttp.End.CLOSED);
    }
  }

  @Test
  void anOversizedHeaderIsRefusedWithoutBeingReadToItsEnd() throws Exception {
    ExecutorService sender = Executors.newSingleThreadExecutor();
    try (RawHttp c = RawHttp.connect(server.port(), Duration.ofSeconds(5))) {
      AtomicLong sent = new AtomicLong();
      long offered = 64L << 20;
      Future<?> flood = sender.submit(() -> {
        c.send("GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ");
        byte[] chunk = "a".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
        while (sent.get() < offered) {
          c.send(chunk);
          sent.addAndGet(chunk.length);
        }
        return null;
      });
      assertThat(c.read().status()).isEqualTo(431);
      // The server stopped reading at its limit and closed: the flood fails long before it is all sent.
      assertThatThrownBy(() -> flood.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
      assertThat(sent.get()).isLessThan(16L << 20);
    } finally {
      sender.shutdownNow();
    }
    try (RawHttp longLine = RawHttp.connect(server.port(), Duration.ofSeconds(5))) {
      longLine.send("GET /" + "a".repeat(40_000) + " HTTP/1.1\r\n\r\n");
      assertThat(longLine.read().status()).isEqualTo(414);
    }
    try (RawHttp many = RawHttp.connect(server.port(), Duration.ofSeconds(5))) {
      StringBuilder head = new StringBuilder("GET /ready HTTP/1.1\r\n");
      for (int i = 0; i < 150; i++) {
        head.append("X-").append(i).append(": 1\r\n");
      }
      assertThat(many.send(head.append("\r\n").toString()).read().status()).isEqualTo(431);
    }
    assertThat(get("/live").statusCode()).isEqualTo(200);
  }

  @Test
  void metricsAreStreamedInChunksThatParse() throws Exception {
    feedKnownSplit(metrics.calls());
    try (RawHttp c = RawHttp.connect(server.port(), Duration.ofSeconds(10))) {
      RawHttp.Reply r = c.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.chunked()).as("Transfer-Encoding: chunked").isTrue();
      assertThat(r.header("Content-Length")).isNull();
      assertThat(r.header("Content-Type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
      assertKnownSplit(PrometheusTextParser.parse(r.body()));
    }
    // HTTP/1.0 has no chunks: the close ends the body.
    try (RawHttp c = RawHttp.connect(server.port(), Duration.ofSeconds(10))) {
      RawHttp.Reply r = c.send("GET /metrics HTTP/1.0\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.chunked()).isFalse();
      assertKnownSplit(PrometheusTextParser.parse(r.body()));
    }
    try (RawHttp c = RawHttp.connect(server.port(), Duration.ofSeconds(10))) {
      String head = c.send("HEAD /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").readHead();
      assertThat(head).startsWith("HTTP/1.1 200 OK\n").contains("Content-Type: text/plain; version=0.0.4");
      assertThat(c.drain()).as("bytes after the head of a HEAD response").isZero();
    }
  }

  @Test
  void aHeadNotCompleteByItsDeadlineGets408AndTheConnectionCloses() throws Exception {
    HttpLimits shortHead = new HttpLimits(Duration.ofMillis(500), 16 * 1024, 100, 128, 4, 16, Duration.ofSeconds(5),
        Duration.ofMillis(500));
    ExecutorService slowLoris = Executors.newSingleThreadExecutor();
    try (AdminServer s = started(shortHead);
        RawHttp silent = RawHttp.connect(s.port(), Duration.ofSeconds(5));
        RawHttp dripping = RawHttp.connect(s.port(), Duration.ofSeconds(5))) {
      long started = System.nanoTime();
      silent.send("GET /re");
      dripping.send("GET /ready HTTP/1.1\r\n");
      slowLoris.submit(() -> { // a byte every 100 ms: busy, yet never done -- the deadline is for the whole head
        for (int i = 0; i < 50; i++) {
          dripping.send("x");
          Thread.sleep(100);
        }
        return null;
      });
      for (RawHttp c : List.of(silent, dripping)) {
        RawHttp.Reply r = c.read();
        assertThat(r.status()).isEqualTo(408);
        assertThat(r.body()).isEqualTo("request head not received within 500 ms\n");
      }
      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .isGreaterThanOrEqualTo(Duration.ofMillis(400)).isLessThan(Duration.ofSeconds(3));
      assertThat(silent.awaitEnd()).isEqualTo(RawHttp.End.CLOSED);
      assertThat(dripping.awaitEnd()).isEqualTo(RawHttp.End.CLOSED);
      assertThat(get(s, "/live").statusCode()).isEqualTo(200);
    } finally {
      slowLoris.shutdownNow();
    }
  }

  @Test
  void moreConnectionsThanTheLimitCloseTheOldestStalledOnes() throws Exception {
    readiness.markServing();
    List<RawHttp> stalled = new ArrayList<>();
    HttpLimits fourConnections = new HttpLimits(Duration.ofSeconds(30), 16 * 1024, 100, 4, 4, 16, Duration.ofSeconds(5),
        Duration.ofMillis(500));
    try (AdminServer s = started(fourConnections)) {
      for (int i = 0; i < 10; i++) {
        stalled.add(RawHttp.connect(s.port(), Duration.ofSeconds(3)).send("GET /re"));
      }
      // The 5th to 10th connection and this request each closed the oldest of the stalled ones.
      assertReadyWithinASecond(s);
      for (int i = 0; i < 7; i++) {
        assertThat(stalled.get(i).awaitEnd()).as("stalled connection %d", i).isEqualTo(RawHttp.End.CLOSED);
      }
      for (int i = 7; i < 10; i++) {
        assertThat(stalled.get(i).send("ady HTTP/1.1\r\n\r\n").read().status()).as("connection %d", i).isEqualTo(200);
      }
    } finally {
      for (RawHttp c : stalled) {
        c.close();
      }
    }
  }

  @Test
  void aSlowReaderOfMetricsHoldsOneWorkerUntilTheResponseDeadlineAndDelaysNoProbe() throws Exception {
    readiness.markServing();
    PrometheusRegistry large = new PrometheusRegistry();
    int points = 400;
    String padding = "p".repeat(50_000);
    large.register(() -> { // about 20 MB of text: far more than the two sockets' buffers hold
      GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name("padding");
      for (int i = 0; i < points; i++) {
        gauge.dataPoint(GaugeDataPointSnapshot.builder().labels(Labels.of("i", String.valueOf(i), "pad", padding))
            .value(i).build());
      }
      return gauge.build();
    });
    HttpLimits oneWorker = new HttpLimits(Duration.ofSeconds(5), 16 * 1024, 100, 128, 1, 1, Duration.ofSeconds(2),
        Duration.ofMillis(500));
    ExecutorService clients = Executors.newFixedThreadPool(3);
    try (AdminServer s = started(oneWorker, large);
        RawHttp slow = RawHttp.connect(s.port(), Duration.ofSeconds(10), 4096)) {
      String head = slow.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").readHead();
      assertThat(head).startsWith("HTTP/1.1 200 OK\n").contains("Transfer-Encoding: chunked");

      // The only worker now writes to a client that reads nothing. Of three more requests for a worker, one waits
      // in the queue of one, two are refused at once; probes are not held up at all.
      List<Future<Integer>> statuses = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        statuses.add(clients.submit(() -> {
          try (RawHttp c = RawHttp.connect(s.port(), Duration.ofSeconds(10))) {
            return c.send("GET /clusters HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read().status();
          }
        }));
      }
      for (int i = 0; i < 3; i++) {
        assertReadyWithinASecond(s);
      }
      List<Integer> got = new ArrayList<>();
      for (Future<Integer> f : statuses) {
        got.add(f.get(20, TimeUnit.SECONDS));
      }
      assertThat(got).containsExactlyInAnyOrder(200, 503, 503);

      // Cut at the response deadline: the slow reader gets what the buffers held, not the whole scrape.
      long received = slow.drain();
      assertThat(received).isPositive().isLessThan((long) points * padding.length() / 2);
      assertThat(get(s, "/clusters").statusCode()).isEqualTo(200);
    } finally {
      clients.shutdownNow();
    }
  }

  private AdminServer started(HttpLimits limits) throws IOException {
    return started(limits, metrics.registry());
  }

  private AdminServer started(HttpLimits limits, PrometheusRegistry registry) throws IOException {
    return AdminServer.builder().address("127.0.0.1:0").readiness(readiness).config(config::get)
        .backends(this::directory).metrics(metrics.calls(), registry).limits(limits).start();
  }

  /** A probe as the image's health check makes it, with a 1 s deadline. */
  private void assertReadyWithinASecond(AdminServer s) throws IOException, InterruptedException {
    long started = System.nanoTime();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(s, "/ready")).timeout(Duration.ofSeconds(1))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
  }

  private static void assertKnownSplit(Map<String, Family> families) {
    assertThat(values(families.get("siskin_router_calls_total"), "siskin_router_calls_total")).containsOnly(
        Map.entry(Map.of("backend", "v1", "method", PREDICT, "code", "OK"), 90.0),
        Map.entry(Map.of("backend", "v2", "method", PREDICT, "code", "OK"), 7.0),
        Map.entry(Map.of("backend", "v2", "method", PREDICT, "code", "UNAVAILABLE"), 3.0));
    assertThat(families).containsKeys("jvm_memory_used_bytes", "siskin_router_config_generation");
  }

  @Test
  void closeIsIdempotent() {
    server.close();
    server.close();
  }

  @Test
  void invalidAddressIsRejectedWithTheExpectedForm() {
    assertThatThrownBy(() -> AdminServer.builder().address("9901"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("router.admin: \"9901\" (expected: host:port with port 0-65535, e.g. 127.0.0.1:9901 or [::1]:9901)");
    assertThatThrownBy(() -> AdminServer.builder().address("127.0.0.1:99999"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AdminServer.builder().address("::1:9901"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(HostPort.parse("router.admin", "[::1]:0").getAddress().isLoopbackAddress()).isTrue();
  }

  /** An address of one of this machine's own interfaces (traffic to it never leaves the machine). */
  private static InetAddress nonLoopbackAddressOfThisMachine() throws SocketException {
    List<InetAddress> candidates = NetworkInterface.networkInterfaces()
        .filter(AdminServerTest::isUp)
        .flatMap(NetworkInterface::inetAddresses)
        .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress() && !a.isAnyLocalAddress())
        .toList();
    return candidates.stream().filter(a -> a instanceof Inet4Address).findFirst()
        .orElse(candidates.isEmpty() ? null : candidates.get(0));
  }

  private static boolean isUp(NetworkInterface nic) {
    try {
      return nic.isUp() && !nic.isLoopback();
    } catch (SocketException e) {
      return false;
    }
  }

  private void publish(ConfigState state) {
    config.set(state);
    metrics.config().recordReloadAttempt(state);
  }

  private static ConfigState initialState(int w1, int w2) {
    return new ConfigState(canary(w1, w2, START), 1, START, new ReloadAttempt(START, true, null));
  }

  private static CanaryConfig canary(int w1, int w2, Instant loadedAt) {
    RouterSettings router = new RouterSettings("0.0.0.0:50051", "127.0.0.1:9901",
        Policy.SMOOTH_WEIGHTED_ROUND_ROBIN, false);
    return new CanaryConfig(router,
        List.of(new BackendSpec("v1", "127.0.0.1:50052", w1), new BackendSpec("v2", "dns:///model-v2:50051", w2)),
        SOURCE, loadedAt);
  }

  @Test
  void canaryShowsTheRoutingRulesTheShadowComparisonAndNoRolloutAndIsAbsentWithoutAView() throws Exception {
    assertThat(get("/canary").statusCode()).as("no canary view given: no such path").isEqualTo(404);

    dev.siskin.router.canary.ShadowComparison comparison = new dev.siskin.router.canary.ShadowComparison();
    byte[] setosa = dev.siskin.proto.v1.PredictResponse.newBuilder().setPrediction("setosa").setConfidence(1)
        .setModelVersion("v1.0.0").build().toByteArray();
    byte[] virginica = dev.siskin.proto.v1.PredictResponse.newBuilder().setPrediction("virginica")
        .setConfidence(0.6).setModelVersion("v2.0.0").build().toByteArray();
    comparison.recordPredict(io.grpc.Status.Code.OK, setosa, io.grpc.Status.Code.OK, setosa, null);
    comparison.recordPredict(io.grpc.Status.Code.OK, setosa, io.grpc.Status.Code.OK, virginica, null);
    dev.siskin.router.canary.ClassDistribution classes = new dev.siskin.router.canary.ClassDistribution();
    classes.recordServed("v1", setosa);
    CanaryView view = new CanaryView() {
      @Override
      public dev.siskin.router.canary.ShadowSnapshot shadow() {
        return comparison.snapshot();
      }

      @Override
      public int shadowInFlight() {
        return 3;
      }

      @Override
      public dev.siskin.router.canary.ClassDistributionSnapshot classes() {
        return classes.snapshot();
      }

      @Override
      public List<dev.siskin.router.canary.Disagreement> disagreements() {
        return comparison.recentDisagreements();
      }

      @Override
      public long forceHeaderUnknown() {
        return 7;
      }

      @Override
      public long forceHeaderEmpty() {
        return 2;
      }
    };
    try (AdminServer withCanary = AdminServer.builder().address("127.0.0.1:0").readiness(readiness)
        .config(config::get).backends(this::directory).metrics(metrics).canary(view).start()) {
      JsonNode canary = mapper.readTree(get(withCanary, "/canary").body());
      assertThat(canary.at("/routing/forceHeader").asText()).isEqualTo("x-canary-backend");
      assertThat(canary.at("/routing/forceHeaderUnknownBackend").asLong()).isEqualTo(7);
      assertThat(canary.at("/routing/forceHeaderEmpty").asLong()).isEqualTo(2);
      assertThat(canary.at("/shadow/compared").asLong()).isEqualTo(2);
      assertThat(canary.at("/shadow/agreed").asLong()).isEqualTo(1);
      assertThat(canary.at("/shadow/inFlight").asInt()).isEqualTo(3);
      assertThat(canary.at("/classes/backends/v1/byClass/setosa").asLong()).isEqualTo(1);
      assertThat(canary.at("/rollout/state").asText()).isEqualTo("disabled");
      assertThat(canary.at("/rollout/step").asInt()).isZero();
      JsonNode kept = mapper.readTree(get(withCanary, "/canary/disagreements").body());
      assertThat(kept.get("kept").asInt()).isEqualTo(1);
      assertThat(kept.at("/disagreements/0/shadow/prediction").asText()).isEqualTo("virginica");
    }
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return get(server, path);
  }

  private HttpResponse<String> get(AdminServer s, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(uri(s, path)).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(uri(server, path)).timeout(Duration.ofSeconds(30));
  }

  private static URI uri(AdminServer s, String path) {
    return URI.create("http://127.0.0.1:" + s.port() + path);
  }

  private static List<String> texts(JsonNode array) {
    return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
  }

  private static Map<String, Long> fields(JsonNode object) {
    Map<String, Long> out = new java.util.LinkedHashMap<>();
    object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asLong()));
    return out;
  }

  private static Map<Map<String, String>, Double> values(Family f, String sampleName) {
    return f.samples().stream().filter(s -> s.name().equals(sampleName))
        .collect(Collectors.toMap(Sample::labels, Sample::value));
  }

  private static double value(Family f, String sampleName, Map<String, String> labels) {
    Double v = values(f, sampleName).get(labels);
    assertThat(v).as("%s%s", sampleName, labels).isNotNull();
    return v;
  }

  private static double single(Map<String, Family> families, String name, String type) {
    Family f = families.get(name);
    assertThat(f).as(name).isNotNull();
    assertThat(f.type()).isEqualTo(type);
    assertThat(f.samples()).hasSize(1);
    return f.samples().get(0).value();
  }

  /** Buckets of one series by {@code le}, in exposition order. */
  private static Map<String, Double> buckets(Family f, Map<String, String> labels) {
    Map<String, Double> out = new java.util.LinkedHashMap<>();
    for (Sample s : f.samples()) {
      if (s.name().equals(f.name() + "_bucket")) {
        Map<String, String> withoutLe = new java.util.HashMap<>(s.labels());
        String le = withoutLe.remove("le");
        if (withoutLe.equals(labels)) {
          out.put(le, s.value());
        }
      }
    }
    return out;
  }

  /** Per series: bounds ascending, counts cumulative (never decreasing), ending at +Inf == _count. */
  private static void assertHistogramConsistent(Family f) {
    Map<Map<String, String>, Double> counts = values(f, f.name() + "_count");
    assertThat(counts).as("series of %s", f.name()).isNotEmpty();
    for (Map.Entry<Map<String, String>, Double> series : counts.entrySet()) {
      Map<String, Double> buckets = buckets(f, series.getKey());
      double previousBound = Double.NEGATIVE_INFINITY;
      double previousCount = 0;
      String lastLe = null;
      for (Map.Entry<String, Double> b : buckets.entrySet()) {
        double bound = b.getKey().equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(b.getKey());
        assertThat(bound).as("le of %s%s", f.name(), series.getKey()).isGreaterThan(previousBound);
        assertThat(b.getValue()).as("cumulative %s%s le=%s", f.name(), series.getKey(), b.getKey())
            .isGreaterThanOrEqualTo(previousCount);
        previousBound = bound;
        previousCount = b.getValue();
        lastLe = b.getKey();
      }
      assertThat(lastLe).isEqualTo("+Inf");
      assertThat(previousCount).as("+Inf == _count of %s%s", f.name(), series.getKey()).isEqualTo(series.getValue());
      assertThat(values(f, f.name() + "_sum")).containsKey(series.getKey());
    }
  }
}
