package dev.siskin.router.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.siskin.router.config.ConfigState;
import dev.siskin.router.metrics.CallStats;
import dev.siskin.router.metrics.RouterMetrics;
import dev.siskin.router.observe.FailureReport;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's admin HTTP endpoint (the JDK's built-in HTTP server). Read-only: every path answers GET
 * and HEAD; any other method gets 405 with an {@code Allow} header, an unknown path 404 with the list
 * of paths.
 *
 * <pre>
 * GET /ready     200 "ready" while serving; 503 "starting" / "draining" otherwise
 * GET /live      200 "live" while the process runs
 * GET /clusters  JSON: panic mode and retry budget; per backend target, addresses, weight, share, health
 *                (state, reason, since, ejections), in flight, calls by status, retries, latency, bytes
 * GET /config    JSON: the config in force, its generation, source and times, and the last reload attempt
 * GET /metrics   Prometheus text format 0.0.4 (OpenMetrics 1.0 when the scraper asks for it)
 * </pre>
 *
 * <p>It binds to {@code router.admin}, loopback by default, since it shows the whole topology. Requests
 * are served on a small pool of daemon threads, apart from gRPC's; a failing request gets a 500 with
 * the reason and never stops the server. Lifecycle: {@link Builder#start()}, then {@link #close()}.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final String JSON = "application/json";
  private static final String ALLOW = "GET, HEAD";
  private static final int THREADS = 2;

  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, Route> routes = new LinkedHashMap<>();
  private final ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private final AdminJson json = new AdminJson(mapper);
  private final ExpositionFormats formats = ExpositionFormats.init();
  private final Readiness readiness;
  private final Supplier<ConfigState> config;
  private final BackendDirectory backends;
  private final CallStats calls;
  private final PrometheusRegistry registry;
  private final Supplier<FailureReport> failures;

  /** One response, fully built before anything is sent so that a failure can still become a 500. */
  private record Response(int status, String contentType, byte[] body) {
    static Response text(int status, String text) {
      return new Response(status, TEXT, text.getBytes(StandardCharsets.UTF_8));
    }
  }

  @FunctionalInterface
  private interface Route {
    Response handle(HttpExchange exchange) throws IOException;
  }

  private AdminServer(Builder b) throws IOException {
    readiness = requireNonNull(b.readiness, "readiness");
    config = requireNonNull(b.config, "config");
    calls = requireNonNull(b.calls, "calls");
    registry = requireNonNull(b.registry, "registry");
    backends = b.backends != null ? b.backends : BackendDirectory.fromConfig(config);
    failures = b.failures != null ? b.failures : () -> FailureReport.EMPTY;

    routes.put("/ready", ex -> ready());
    routes.put("/live", ex -> Response.text(200, "live\n"));
    routes.put("/clusters", ex -> clusters());
    routes.put("/config", ex -> config());
    routes.put("/metrics", this::metrics);

    AtomicInteger threadNumber = new AtomicInteger();
    executor = Executors.newFixedThreadPool(THREADS, r -> {
      Thread t = new Thread(r, "siskin-admin-" + threadNumber.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server = HttpServer.create(requireNonNull(b.address, "address"), 0);
    server.createContext("/", this::serve);
    server.setExecutor(executor);
    server.start();
    log.info("Admin endpoint listening on http://{}", hostPort(address()));
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The address actually bound (with the real port when 0 was asked for). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * Stops at once. Requests still in progress are cut: they are read-only, and waiting would hold up the
   * router's shutdown (the JDK server waits out the whole delay while clients keep connections alive).
   * Idempotent.
   */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void serve(HttpExchange exchange) {
    try (exchange) {
      Response response;
      try {
        drain(exchange.getRequestBody());
        response = dispatch(exchange);
      } catch (Exception e) {
        log.warn("Admin request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
        response = error(500, "internal error: " + e);
      }
      send(exchange, response);
    } catch (IOException | RuntimeException e) {
      // The client went away mid-response, or the JDK server refused our headers: nothing left to tell.
      log.debug("Could not send admin response", e);
    }
  }

  private Response dispatch(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    Route route = routes.get(path);
    if (route == null) {
      ObjectNode body = mapper.createObjectNode();
      body.put("error", "no such path: " + path);
      ArrayNode paths = body.putArray("paths");
      routes.keySet().forEach(paths::add);
      return json(404, body);
    }
    String method = exchange.getRequestMethod();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      exchange.getResponseHeaders().set("Allow", ALLOW);
      return error(405, "method " + method + " not allowed on " + path + " (expected: " + ALLOW + ")");
    }
    return route.handle(exchange);
  }

  private Response ready() {
    Readiness.State state = readiness.state();
    return state == Readiness.State.SERVING
        ? Response.text(200, "ready\n")
        : Response.text(503, state.name().toLowerCase(Locale.ROOT) + "\n");
  }

  private Response clusters() throws JsonProcessingException {
    return json(200, json.clusters(config.get(), backends.backends(), calls, failures.get()));
  }

  private Response config() throws JsonProcessingException {
    ConfigState state = config.get();
    if (state == null) {
      return error(503, "no config loaded yet");
    }
    return json(200, json.config(state));
  }

  private Response metrics(HttpExchange exchange) throws IOException {
    String accept = exchange.getRequestHeaders().getFirst("Accept");
    // OpenMetrics on request; otherwise text 0.0.4. Protobuf is not offered: its writer is not on the
    // classpath, and every Prometheus version reads the text format.
    ExpositionFormatWriter writer = formats.getOpenMetricsTextFormatWriter().accepts(accept)
        ? formats.getOpenMetricsTextFormatWriter()
        : formats.getPrometheusTextFormatWriter();
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    writer.write(out, registry.scrape());
    return new Response(200, writer.getContentType(), out.toByteArray());
  }

  private Response json(int status, ObjectNode body) throws JsonProcessingException {
    return new Response(status, JSON, mapper.writeValueAsBytes(body));
  }

  private Response error(int status, String message) {
    ObjectNode body = mapper.createObjectNode();
    body.put("error", message);
    try {
      return json(status, body);
    } catch (JsonProcessingException e) {
      return Response.text(status, message);
    }
  }

  private static void send(HttpExchange exchange, Response r) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", r.contentType());
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    if (head || r.body().length == 0) {
      exchange.sendResponseHeaders(r.status(), -1);
      return;
    }
    exchange.sendResponseHeaders(r.status(), r.body().length);
    try (OutputStream body = exchange.getResponseBody()) {
      body.write(r.body());
    }
  }

  private static void drain(InputStream in) throws IOException {
    in.transferTo(OutputStream.nullOutputStream());
  }

  private static String hostPort(InetSocketAddress a) {
    String host = a.getAddress().getHostAddress();
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + a.getPort() : host + ":" + a.getPort();
  }

  /** Collects what the endpoint shows; {@link #start()} binds and starts it. Not thread-safe. */
  public static final class Builder {
    private InetSocketAddress address;
    private Readiness readiness;
    private Supplier<ConfigState> config;
    private BackendDirectory backends;
    private CallStats calls;
    private PrometheusRegistry registry;
    private Supplier<FailureReport> failures;

    private Builder() {}

    /** Backend health, panic mode and retries for {@code /clusters}; none by default. */
    public Builder failures(Supplier<FailureReport> failures) {
      this.failures = failures;
      return this;
    }

    /** Where to listen, in canary.conf's {@code host:port} form ({@code router.admin}); port 0 picks one. */
    public Builder address(String hostPort) {
      this.address = HostPort.parse("router.admin", hostPort);
      return this;
    }

    public Builder address(InetSocketAddress address) {
      this.address = requireNonNull(address, "address");
      return this;
    }

    /** Drives {@code /ready}. */
    public Builder readiness(Readiness readiness) {
      this.readiness = readiness;
      return this;
    }

    /** The config state in force, for {@code /config} and the generation and policy in {@code /clusters}. */
    public Builder config(Supplier<ConfigState> config) {
      this.config = config;
      return this;
    }

    /** Backends with their resolved addresses; defaults to {@link BackendDirectory#fromConfig}. */
    public Builder backends(BackendDirectory backends) {
      this.backends = backends;
      return this;
    }

    /** Call statistics for {@code /clusters} and the registry for {@code /metrics}. */
    public Builder metrics(RouterMetrics metrics) {
      return metrics(metrics.calls(), metrics.registry());
    }

    public Builder metrics(CallStats calls, PrometheusRegistry registry) {
      this.calls = calls;
      this.registry = registry;
      return this;
    }

    /**
     * Binds and starts serving.
     *
     * @throws IOException when the address cannot be bound (in use, or not an address of this machine)
     */
    public AdminServer start() throws IOException {
      return new AdminServer(this);
    }
  }
}
