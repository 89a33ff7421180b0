package dev.siskin.router;

import dev.siskin.router.accesslog.ConfiguredAccessLog;
import dev.siskin.router.admin.AdminServer;
import dev.siskin.router.admin.AdminTls;
import dev.siskin.router.admin.AdminToken;
import dev.siskin.router.admin.BackendView;
import dev.siskin.router.admin.Readiness;
import dev.siskin.router.cluster.JdkDnsCache;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.CanaryConfigParser;
import dev.siskin.router.config.ConfigException;
import dev.siskin.router.config.ConfigWatcher;
import dev.siskin.router.config.FailureSettings;
import dev.siskin.router.config.RouterSettings;
import dev.siskin.router.h2.ListenerTls;
import dev.siskin.router.h2.WarmUp;
import dev.siskin.router.metrics.RouterMetrics;
import dev.siskin.router.observe.EndpointSnapshot;
import dev.siskin.router.rollout.RolloutController;
import dev.siskin.router.rollout.peers.RolloutPeers;
import dev.siskin.router.route.RoutingTable;
import dev.siskin.tls.TlsFileException;
import dev.siskin.tls.TlsMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * {@code java -jar router.jar [CONFIG]}: runs the router on the config file CONFIG (default
 * {@code $CANARY_CONFIG}, else {@code config/canary.conf}) and follows its edits until SIGTERM or SIGINT.
 *
 * <p>Exit status: 0 after a graceful stop, 1 when the config is unusable or the port cannot be bound at
 * start, 2 for bad arguments.
 */
public final class RouterMain {
  private static final Logger log = LoggerFactory.getLogger(RouterMain.class);

  private final RouterServer router;
  private final RouterMetrics metrics;
  private final Readiness readiness;
  private final AdminServer admin;
  private final ConfigWatcher watcher;
  private final RolloutController rollout;
  private final AtomicBoolean stopped = new AtomicBoolean();

  /** TLS on the listener, or null for plaintext. */
  private final ListenerTls tls;
  /** HTTPS on the admin endpoint, or null for plain HTTP. */
  private final AdminTls adminTls;

  private RouterMain(Path configFile, CanaryConfig initial, RouterServer router, RouterMetrics metrics,
      Readiness readiness, AdminServer admin, RolloutController rollout, ListenerTls tls, AdminTls adminTls) {
    this.tls = tls;
    this.adminTls = adminTls;
    this.rollout = rollout;
    this.router = router;
    this.metrics = metrics;
    this.readiness = readiness;
    this.admin = admin;
    this.watcher = new ConfigWatcher(configFile, new ReloadReporter(configFile, router, metrics.config()), initial);
  }

  public static void main(String[] args) {
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    if (args.length > 1 || (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help")))) {
      System.err.println("usage: java -jar router.jar [CONFIG]   (default: $CANARY_CONFIG, else config/canary.conf)");
      System.exit(2);
    }
    Path file = configPath(args);
    RouterMain main;
    try {
      main = start(file);
    } catch (ConfigException e) {
      log.error("cannot start: {}", e.getMessage());
      System.exit(1);
      return;
    } catch (IOException | IllegalArgumentException e) {
      log.error("cannot start: {}", e.getMessage());
      System.exit(1);
      return;
    }
    main.runUntilSignalled();
    System.exit(0);
  }

  /** The config file: the argument, else {@code $CANARY_CONFIG}, else {@code config/canary.conf}. */
  static Path configPath(String[] args) {
    if (args.length == 1) {
      return Path.of(args[0]);
    }
    String env = System.getenv("CANARY_CONFIG");
    return Path.of(env != null && !env.isBlank() ? env : "config/canary.conf");
  }

  /**
   * Loads the config, starts the forwarding core, the admin endpoint and the file watcher. Every call reports
   * its outcome to the metrics (which /clusters and /metrics read) and to the access log.
   */
  static RouterMain start(Path file) throws ConfigException, IOException {
    CanaryConfigParser.Parsed parsed = CanaryConfigParser.read(file);
    parsed.notices().forEach(notice -> log.warn("{}", notice)); // obsolete keys: accepted, and reported
    CanaryConfig config = parsed.config();
    // Before the first lookup (the backends' channels): the JVM reads its DNS cache settings only once.
    JdkDnsCache.configure(config.router().failure().limits().dnsRefresh())
        .forEach(line -> log.info("JVM DNS cache: {}", line));
    // The rollout sets weights over the file's from the first call on (a restart mid-rollout resumes its step),
    // so it exists before the router; it reaches the router through this reference once that exists.
    AtomicReference<RouterServer> routerRef = new AtomicReference<>();
    ScheduledExecutorService rolloutThread = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "siskin-rollout");
      thread.setDaemon(true);
      return thread;
    });
    AdminToken token = adminToken(config.router());
    // Read at scrape time only, when the router exists.
    RouterMetrics metrics = new RouterMetrics(() -> {
      RouterServer r = routerRef.get();
      return r == null ? null : r.configState();
    });
    AdminTls adminTls = startAdminTls(config.router(), metrics);
    RolloutController rollout = new RolloutController(file, Clock.systemUTC(), rolloutThread,
        () -> routerRef.get().reinstall(),
        (backend, status) -> routerRef.get().callsInFlight().endCallsOn(backend, status),
        local -> RolloutPeers.overHttp(local, Clock.systemUTC(), token::authorizationHeader,
            adminTls == null ? null : adminTls.peerContext()));
    RouterServer router = RouterServer.create(config, rollout::inForce);
    routerRef.set(router);
    router.addCallListener(rollout);
    metrics.registerFailureHandling(router::failureReport);
    metrics.registerEndpoints(() -> endpointsByBackend(router.routingTable()));
    metrics.registerBackendTls(() -> router.configState() == null ? List.of()
        : router.configState().current().backends());
    metrics.registerRoutingRules(router.routingRuleStats()::forceUnknownTotal,
        router.routingRuleStats()::forceEmptyTotal);
    router.addCallListener(metrics.calls());
    router.addCallListener(metrics.connectionRefusals());
    router.addCallListener(new ConfiguredAccessLog(() -> router.configState().current().router()));
    ListenerTls tls;
    try {
      tls = startTls(config.router(), metrics);
    } catch (ConfigException e) {
      closeQuietly(router);
      closeQuietly(adminTls);
      throw e;
    }
    CanaryRecorder canary = new CanaryRecorder(rollout::onComparison,
        config.router().adminAccess().disagreementExamples());
    router.addCanaryObserver(canary);
    metrics.registerCanary(canary.comparison()::snapshot, canary.classes()::snapshot, router::shadowInFlight);
    metrics.registerRollout(rollout::view);
    Readiness readiness = new Readiness();
    AdminServer admin;
    try {
      admin = AdminServer.builder()
          .address(config.router().admin())
          .readiness(readiness)
          .config(router::configState)
          .backends(() -> backendViews(router.routingTable()))
          .failures(router::failureReport)
          .canary(canary.view(router::shadowInFlight, router.routingRuleStats(), rollout::view))
          .rollout(rollout::view)
          .peers(rollout.peers())
          .inForce(() -> router.routingTable().config())
          .listenerTls(() -> tls == null ? null : tls.files().current())
          .tls(adminTls)
          .token(token)
          .disagreementExamples(config.router().adminAccess().disagreementExamples())
          .metrics(metrics)
          .start();
    } catch (IOException | RuntimeException e) {
      closeQuietly(router);
      closeQuietly(tls);
      closeQuietly(adminTls);
      throw new IOException("admin endpoint " + config.router().admin() + ": " + e.getMessage()
          + " (is another router running? set router.admin to a free host:port)", e);
    }
    warmUp(config.router());
    try {
      router.start(tls);
    } catch (IOException | RuntimeException e) {
      admin.close();
      closeQuietly(tls);
      closeQuietly(adminTls);
      throw new IOException("gRPC listener " + config.router().listen() + ": " + e.getMessage()
          + " (is another process on that port? set router.listen to a free host:port)", e);
    }
    metrics.start();
    readiness.markServing();
    if (tls != null) {
      log.info("the listener serves {}{}", tls.describe(), router.plaintextPort() < 0 ? ""
          : "; plaintext h2c beside it on " + config.router().plaintextListen() + " (port " + router.plaintextPort()
              + ")");
    }
    if (adminTls != null) {
      log.info("the admin endpoint serves {}", adminTls.describe());
    }
    // Parsed by tools and tests ("(port N), admin on http://host:port/"): keep its shape.
    log.info("siskin router listening on {} (port {}), admin on {}://{}:{}/, config {}: {}",
        config.router().listen(), router.port(), admin.scheme(), admin.address().getHostString(), admin.port(), file,
        RouterServer.describe(config));
    RouterMain main = new RouterMain(file, config, router, metrics, readiness, admin, rollout, tls, adminTls);
    main.watcher.start();
    rollout.start();
    return main;
  }

  /**
   * The frame core's warm-up (router.warm-up-calls), while /ready still says 503 and before the listener binds.
   * A warm-up that fails costs only its time: the router starts cold, as it would without one.
   */
  private static void warmUp(RouterSettings settings) {
    if (settings.warmUpCalls() == 0) {
      return;
    }
    try {
      WarmUp.Result r = WarmUp.run(settings.warmUpCalls(), Runtime.getRuntime().availableProcessors(),
          Duration.ofSeconds(30));
      if (r.failed() > 0 || r.calls() < settings.warmUpCalls()) {
        log.warn("warm-up: {} of {} synthetic calls ended, {} failed; starting anyway", r.calls(),
            settings.warmUpCalls(), r.failed());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.warn("warm-up failed ({}); starting without it", e.toString());
    }
  }

  /**
   * The admin token of {@code router.admin-token-file}, read now (a file that cannot be read stops the start), or
   * none -- with a WARN when the endpoint is bound beyond loopback, where anyone who reaches it may read it.
   */
  private static boolean loopback(String admin) {
    String host = admin.substring(0, admin.lastIndexOf(':')).replace("[", "").replace("]", "");
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
  }

  private static AdminToken adminToken(RouterSettings settings) throws ConfigException {
    var file = settings.adminAccess().tokenFile();
    if (file.isEmpty()) {
      if (!loopback(settings.admin())) {
        log.warn("the admin endpoint {} is bound beyond loopback without router.admin-token-file: whoever reaches "
            + "it may read the config, the metrics and the canary's disagreement examples", settings.admin());
      }
      return AdminToken.NONE;
    }
    if (!loopback(settings.admin()) && settings.adminAccess().tls().isEmpty()) {
      log.warn("the admin endpoint {} is bound beyond loopback in plain HTTP: its token travels in cleartext; "
          + "set router.admin-tls to serve HTTPS", settings.admin());
    }
    try {
      return AdminToken.fromFile(file.get());
    } catch (java.io.IOException e) {
      throw new ConfigException("router.admin-token-file=" + file.get() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Loads and starts watching the listener's TLS files when {@code router.tls} sets them; a bad file stops the
   * start with the setting, the file and what is wrong with it.
   */
  private static ListenerTls startTls(RouterSettings settings, RouterMetrics metrics) throws ConfigException {
    if (settings.tls().isEmpty()) {
      return null;
    }
    TlsMetrics tlsMetrics = new TlsMetrics(metrics.registry(), "siskin_router");
    try {
      ListenerTls tls = ListenerTls.start(settings.tls().get(), tlsMetrics);
      tlsMetrics.follow(tls.files());
      return tls;
    } catch (TlsFileException e) {
      throw new ConfigException(e.getMessage(), e);
    }
  }

  /** The admin endpoint's TLS when {@code router.admin-tls} sets it; a bad file stops the start, as above. */
  private static AdminTls startAdminTls(RouterSettings settings, RouterMetrics metrics) throws ConfigException {
    if (settings.adminAccess().tls().isEmpty()) {
      return null;
    }
    TlsMetrics tlsMetrics = new TlsMetrics(metrics.registry(), "siskin_router_admin");
    try {
      AdminTls tls = AdminTls.start(settings.adminAccess().tls().get(), tlsMetrics);
      tlsMetrics.follow(tls.files());
      return tls;
    } catch (TlsFileException e) {
      throw new ConfigException(e.getMessage(), e);
    }
  }

  private static void closeQuietly(AdminTls tls) {
    if (tls != null) {
      tls.close();
    }
  }

  private static void closeQuietly(ListenerTls tls) {
    if (tls != null) {
      tls.close();
    }
  }

  private static void closeQuietly(RouterServer router) {
    try {
      router.shutdown(Duration.ZERO);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static List<BackendView> backendViews(RoutingTable table) {
    List<BackendView> views = new ArrayList<>(table.backends().size());
    for (int i = 0; i < table.backends().size(); i++) {
      var backend = table.backends().get(i);
      views.add(new BackendView(backend.name(), backend.target(), table.weight(i), backend.resolvedAddresses(),
          backend.endpoints(), backend.dns()));
    }
    return views;
  }

  private static Map<String, List<EndpointSnapshot>> endpointsByBackend(RoutingTable table) {
    Map<String, List<EndpointSnapshot>> byBackend = new LinkedHashMap<>();
    table.backends().forEach(b -> byBackend.put(b.name(), b.endpoints()));
    return byBackend;
  }

  /** The running router: config state, routing table, call listeners (for the admin endpoint and metrics). */
  public RouterServer router() {
    return router;
  }

  /** Blocks until SIGTERM/SIGINT, then stops gracefully. A plain JVM exit runs the same stop from a hook. */
  private void runUntilSignalled() {
    CountDownLatch signalled = new CountDownLatch(1);
    boolean trapped = trap("TERM", signalled) & trap("INT", signalled);
    // Backstop for exits that are not a trapped signal. Logging may be reset by then: stderr only.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(true), "siskin-shutdown"));
    if (!trapped) {
      log.warn("cannot trap SIGTERM on this JVM: a stop will run from the shutdown hook and exit with 143");
    }
    try {
      signalled.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stop(false);
  }

  /**
   * Traps a signal so that the graceful stop runs on the main thread with logging intact and the process
   * exits 0. sun.misc.Signal is the only way to do that in Java; without it the JVM exits with 128+signal.
   */
  private static boolean trap(String signal, CountDownLatch signalled) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> signalled.countDown());
      return true;
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  private void stop(boolean fromHook) {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    // The drain settings in force now (a reload may have changed them since start).
    FailureSettings.Limits limits = router.configState().current().router().failure().limits();
    Duration grace = limits.drainGrace();
    Duration timeout = limits.drainTimeout();
    readiness.markDraining();
    say(fromHook, "draining: /ready answers 503; new calls are still accepted for " + grace.toMillis()
        + " ms (router.drain-grace), then running calls get up to " + timeout.toMillis() + " ms (router.drain-timeout)");
    rollout.stop(); // no decision while draining: the state file keeps the step for the next start
    try {
      watcher.close();
    } catch (RuntimeException e) {
      say(fromHook, "config watcher did not close cleanly: " + e);
    }
    try {
      // Load balancers and clients that watch /ready stop sending during the grace; calls that still
      // arrive are served, not refused.
      Thread.sleep(grace.toMillis());
      say(fromHook, "no new calls from now on; waiting for " + router.routingTable().backends().stream()
          .mapToInt(b -> b.inFlight()).sum() + " running call(s)");
      boolean drained = router.shutdown(timeout);
      say(fromHook, drained ? "stopped: every call finished" : "stopped: calls still running after "
          + timeout.toMillis() + " ms were cancelled");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      say(fromHook, "interrupted while stopping");
    }
    admin.close();
    metrics.close();
    closeQuietly(tls);
    closeQuietly(adminTls);
  }

  private static void say(boolean fromHook, String message) {
    if (fromHook) {
      System.err.println("siskin router: " + message);
    } else {
      log.info(message);
    }
  }
}
