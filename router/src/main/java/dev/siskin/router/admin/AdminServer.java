package dev.siskin.router.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.siskin.router.admin.http.Answer;
import dev.siskin.router.admin.http.BoundedHttpServer;
import dev.siskin.router.admin.http.HttpLimits;
import dev.siskin.router.admin.http.RequestHead;
import dev.siskin.router.admin.http.Response;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.ConfigState;
import dev.siskin.tls.TlsIdentity;
import dev.siskin.router.metrics.CallStats;
import dev.siskin.router.metrics.RouterMetrics;
import dev.siskin.router.observe.FailureReport;
import dev.siskin.router.rollout.RolloutView;
import dev.siskin.router.rollout.peers.PeerTransport;
import dev.siskin.router.rollout.peers.RolloutPeers;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's admin HTTP endpoint. Read-only: every path answers GET and HEAD; any other method gets 405 with an
 * {@code Allow} header, a request with a body 413 (neither body is read), an unknown path 404 with the list of
 * paths.
 *
 * <pre>
 * GET /ready     200 "ready" while serving; 503 "starting" / "draining" otherwise
 * GET /live      200 "live" while the process runs
 * GET /clusters  JSON: panic mode and retry budget; per backend target, addresses, weight, share, health
 *                (state, reason, since, ejections), in flight, calls by status, retries, latency, bytes
 * GET /config    JSON: the config in force, its generation, source and times, and the last reload attempt
 * GET /metrics   Prometheus text format 0.0.4 (OpenMetrics 1.0 when the scraper asks for it), streamed
 * GET /         the live dashboard (and its files under /dashboard/): polls the JSON paths while visible
 * GET /rollout/peer, /rollout/observations   for the other routers of a shared rollout (RolloutPeers)
 * </pre>
 *
 * <p>It binds to {@code router.admin}, loopback by default, since it shows the whole topology. It runs on a
 * {@link BoundedHttpServer} rather than the JDK's built-in server: that one reads request heads and bodies on its
 * worker threads with no deadline, so two clients that send half a request hold both threads, and the health check
 * with them, for as long as they like; its only limits are JVM-wide system properties. Here {@code /ready} and
 * {@code /live} are answered on the I/O thread itself, which nothing else can keep busy; the rest on workers,
 * {@code /metrics} written to the socket as the scrape is formatted. A failing request gets a 500 with the reason
 * and never stops the server. Lifecycle: {@link Builder#start()}, then {@link #close()}.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
  private static final String JSON = "application/json";
  private static final String ALLOW = "GET, HEAD";

  private final BoundedHttpServer server;
  private final Map<String, Route> routes = new LinkedHashMap<>();
  /** The dashboard's files: served without the admin token. */
  private final java.util.Set<String> openPaths = new java.util.HashSet<>();
  private final ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private final AdminJson json = new AdminJson(mapper);
  private final ExpositionFormats formats = ExpositionFormats.init();
  private final Readiness readiness;
  private final Supplier<ConfigState> config;
  private final BackendDirectory backends;
  private final CallStats calls;
  private final PrometheusRegistry registry;
  private final Supplier<FailureReport> failures;
  private final CanaryView canary;
  private final Supplier<CanaryConfig> inForce;
  private final AdminToken token;
  /** What the TLS listener serves now; null when it is plaintext. */
  private final Supplier<TlsIdentity> listenerTls;
  /** HTTPS on this endpoint; null for plain HTTP. */
  private final AdminTls tls;
  private final Supplier<RolloutView> rollout;
  private final CanaryJson canaryJson = new CanaryJson(mapper);

  /** Answers a request whose path, method and lack of body are checked already. */
  @FunctionalInterface
  private interface Route {
    Answer answer(RequestHead request);
  }

  private AdminServer(Builder b) throws IOException {
    readiness = requireNonNull(b.readiness, "readiness");
    config = requireNonNull(b.config, "config");
    calls = requireNonNull(b.calls, "calls");
    registry = requireNonNull(b.registry, "registry");
    backends = b.backends != null ? b.backends : BackendDirectory.fromConfig(config);
    failures = b.failures != null ? b.failures : () -> FailureReport.EMPTY;
    canary = b.canary;
    inForce = b.inForce != null ? b.inForce : () -> config.get().current();
    rollout = b.rollout != null ? b.rollout : () -> null;
    listenerTls = b.listenerTls != null ? b.listenerTls : () -> null;
    token = b.token != null ? b.token : AdminToken.NONE;
    tls = b.tls;

    // The probes are answered at once (a volatile read each), on the I/O thread: no busy worker delays them.
    routes.put("/ready", request -> Answer.now(ready()));
    routes.put("/live", request -> Answer.now(Response.text(200, "live\n")));
    routes.put("/clusters", request -> onWorker(request, this::clusters));
    routes.put("/config", request -> onWorker(request, this::config));
    routes.put("/metrics", request -> onWorker(request, () -> metrics(request)));
    if (b.peers != null) {
      RolloutPeers peers = b.peers;
      // Routers sharing a rollout ask each other here (docs/rollout.md, "Several routers").
      routes.put("/rollout/peer", request -> onWorker(request, () -> Response.fixed(200, JSON, peers.describe())));
      routes.put("/rollout/observations", request -> onWorker(request, () -> observations(peers, request)));
    }
    if (canary != null) {
      routes.put("/canary", request -> onWorker(request, this::canary));
      routes.put("/canary/disagreements", b.disagreementExamples
          ? request -> onWorker(request, () -> json(200, canaryJson.disagreements(canary.disagreements())))
          : request -> Answer.now(error(403, "disagreement examples are off (router.admin-disagreement-examples "
              + "= false): their request features are not kept; /canary has the counts and the flip matrix")));
    }

    // The live dashboard (GET /): fixed files read at start, answered on the I/O thread like the probes.
    DashboardAssets dashboard = DashboardAssets.load();
    for (String path : dashboard.paths()) {
      Response.Fixed file = dashboard.get(path).orElseThrow();
      Response.Fixed answer = path.equals("/")
          ? file.withHeader("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; "
              + "frame-ancestors 'none'")
          : file;
      routes.put(path, request -> Answer.now(answer));
      openPaths.add(path);
    }
    requireNonNull(b.address, "address");
    server = tls == null ? BoundedHttpServer.start(b.address, b.limits, this::answer, "siskin-admin")
        : BoundedHttpServer.startTls(b.address, b.limits, this::answer, "siskin-admin", tls::newServerEngine);
    log.info("Admin endpoint listening on {}://{}", scheme(), hostPort(address()));
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code https} when the endpoint serves TLS, else {@code http}. */
  public String scheme() {
    return tls == null ? "http" : "https";
  }

  /** The address actually bound (with the real port when 0 was asked for). */
  public InetSocketAddress address() {
    return server.address();
  }

  public int port() {
    return server.address().getPort();
  }

  /**
   * Stops at once. Requests still in progress are cut: they are read-only, and waiting would hold up the
   * router's shutdown. Idempotent.
   */
  @Override
  public void close() {
    server.close();
  }

  /** On the server's I/O thread: only checks and cheap answers here; the rest goes to a worker. */
  private Answer answer(RequestHead request) {
    String path = request.path();
    Route route = routes.get(path);
    if (route == null) {
      return Answer.now(notFound(path));
    }
    String method = request.method();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return Answer.now(error(405, "method " + method + " not allowed on " + path + " (expected: " + ALLOW + ")")
          .withHeader("Allow", ALLOW));
    }
    if (request.hasBody()) {
      // Refused unread: the connection closes after the answer, so the body is never waited for.
      return Answer.now(error(413, "a " + method + " request has no body here; send it without one"));
    }
    // The probes stay open: a kubelet or a load balancer sends no token, and has no client certificate.
    boolean probe = path.equals("/live") || path.equals("/ready");
    // So do the dashboard's own files, which hold no data (a browser sends no bearer token when it opens a page;
    // the page's requests for data send the one its address gives): the token, not the mTLS certificate.
    boolean page = openPaths.contains(path);
    if (!probe && tls != null && tls.requiresClientCertificate() && !request.clientCertified()) {
      return Answer.now(error(403, "this admin endpoint needs a client certificate signed by the CA of "
          + "router.admin-tls.client-ca (client.jar: --admin-cert FILE --admin-key FILE); only /live and /ready "
          + "answer without one"));
    }
    if (!probe && !page && !token.accepts(request.header("authorization"))) {
      return Answer.now(error(401, "this admin endpoint needs \"Authorization: Bearer <token>\" with the token "
          + "of router.admin-token-file (client.jar: --admin-token-file FILE)")
          .withHeader("WWW-Authenticate", "Bearer realm=\"siskin-admin\""));
    }
    return route.answer(request);
  }

  private Response.Fixed notFound(String path) {
    ObjectNode body = mapper.createObjectNode();
    body.put("error", "no such path: " + path);
    ArrayNode paths = body.putArray("paths");
    routes.keySet().stream().filter(p -> !p.startsWith("/dashboard/")).forEach(paths::add); // "/" names the page
    try {
      return json(404, body);
    } catch (JsonProcessingException e) {
      return error(404, "no such path: " + path);
    }
  }

  /** Work for a worker thread; what it throws becomes a 500 with the reason. */
  private Answer onWorker(RequestHead request, Callable<Response> work) {
    return Answer.later(() -> {
      try {
        return work.call();
      } catch (Exception e) {
        log.warn("Admin request {} {} failed", request.method(), request.path(), e);
        return error(500, "internal error: " + e);
      }
    });
  }

  private Response.Fixed ready() {
    Readiness.State state = readiness.state();
    return state == Readiness.State.SERVING
        ? Response.text(200, "ready\n")
        : Response.text(503, state.name().toLowerCase(Locale.ROOT) + "\n");
  }

  private Response clusters() throws JsonProcessingException {
    return json(200, json.clusters(config.get(), backends.backends(), calls, failures.get()));
  }

  private Response canary() throws JsonProcessingException {
    ConfigState state = config.get();
    if (state == null) {
      return error(503, "no config loaded yet");
    }
    return json(200, canaryJson.canary(inForce.get(), canary));
  }

  private Response observations(RolloutPeers peers, RequestHead request) {
    long after;
    try {
      after = Long.parseLong(request.header(RolloutPeers.AFTER_HEADER).orElse("0"));
    } catch (NumberFormatException e) {
      return error(400, RolloutPeers.AFTER_HEADER + " is not a number");
    }
    PeerTransport.Answer answer = peers.observations(request.header(RolloutPeers.JUDGE_HEADER).orElse(""),
        request.header(RolloutPeers.EXPECT_HEADER).orElse(""), after,
        request.header(RolloutPeers.RUN_HEADER).orElse(""));
    return Response.fixed(answer.status(), JSON, answer.body().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private Response config() throws JsonProcessingException {
    ConfigState state = config.get();
    if (state == null) {
      return error(503, "no config loaded yet");
    }
    return json(200, json.config(state, inForce.get(), rollout.get(), listenerTls.get(),
        tls == null ? null : tls.files().current()));
  }

  /**
   * The scrape is taken here, so that a failing collector still becomes a 500; its text is written to the
   * socket while it is formatted (the writers buffer 8 KiB), never built whole in memory.
   */
  private Response metrics(RequestHead request) {
    String accept = request.header("accept").orElse(null);
    // OpenMetrics on request; otherwise text 0.0.4. Protobuf is not offered: its writer is not on the
    // classpath, and every Prometheus version reads the text format.
    ExpositionFormatWriter writer = formats.getOpenMetricsTextFormatWriter().accepts(accept)
        ? formats.getOpenMetricsTextFormatWriter()
        : formats.getPrometheusTextFormatWriter();
    MetricSnapshots scrape = registry.scrape();
    return Response.streamed(200, writer.getContentType(), out -> writer.write(out, scrape));
  }

  private Response.Fixed json(int status, ObjectNode body) throws JsonProcessingException {
    return Response.fixed(status, JSON, mapper.writeValueAsBytes(body));
  }

  private Response.Fixed error(int status, String message) {
    ObjectNode body = mapper.createObjectNode();
    body.put("error", message);
    try {
      return json(status, body);
    } catch (JsonProcessingException e) {
      return Response.text(status, message + "\n");
    }
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
    private CanaryView canary;
    private Supplier<CanaryConfig> inForce;
    private Supplier<TlsIdentity> listenerTls;
    private AdminTls tls;
    private AdminToken token;
    private boolean disagreementExamples = true;
    private Supplier<RolloutView> rollout;
    private RolloutPeers peers;
    private HttpLimits limits = HttpLimits.DEFAULTS;

    private Builder() {}

    /** What clients may take of the endpoint; {@link HttpLimits#DEFAULTS} unless a test needs tighter ones. */
    Builder limits(HttpLimits limits) {
      this.limits = requireNonNull(limits, "limits");
      return this;
    }

    /** Backend health, panic mode and retries for {@code /clusters}; none by default. */
    /** Serves {@code /canary} and {@code /canary/disagreements} from {@code canary}. */
    public Builder canary(CanaryView canary) {
      this.canary = canary;
      return this;
    }

    /**
     * The config the routing uses (the file's, or a rollout's weights and shadow over it), for {@code /config}'s
     * weights and {@code /canary}; by default the file's.
     */
    public Builder inForce(Supplier<CanaryConfig> inForce) {
      this.inForce = inForce;
      return this;
    }

    /** The bearer token every request but the probes must send; none by default. */
    public Builder token(AdminToken token) {
      this.token = token;
      return this;
    }

    /** Whether {@code /canary/disagreements} serves the kept examples (default) or answers 403. */
    public Builder disagreementExamples(boolean serve) {
      this.disagreementExamples = serve;
      return this;
    }

    /** What the TLS listener serves now (its certificate and client CA), for {@code /config}; null: plaintext. */
    /** Serves HTTPS only, with {@code tls}'s files (the caller keeps and closes it); plain HTTP by default. */
    public Builder tls(AdminTls tls) {
      this.tls = tls;
      return this;
    }

    public Builder listenerTls(Supplier<TlsIdentity> listenerTls) {
      this.listenerTls = listenerTls;
      return this;
    }

    /** The automated rollout, for {@code /config}; none by default. */
    public Builder rollout(Supplier<RolloutView> rollout) {
      this.rollout = rollout;
      return this;
    }

    /** Serves {@code /rollout/peer} and {@code /rollout/observations} to the routers sharing the rollout. */
    public Builder peers(RolloutPeers peers) {
      this.peers = peers;
      return this;
    }

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
