package dev.siskin.router;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.cluster.BackendChannels;
import dev.siskin.router.cluster.BackendPool;
import dev.siskin.router.cluster.Backend;
import dev.siskin.router.cluster.ChannelFactory;
import dev.siskin.router.cluster.HostHealth;
import dev.siskin.router.cluster.HealthChecker;
import dev.siskin.router.cluster.OutlierDetector;
import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.ConfigException;
import dev.siskin.router.config.ConfigState;
import dev.siskin.router.config.FailureSettings;
import dev.siskin.router.config.RouterSettings;
import dev.siskin.router.config.RoutingSettings;
import dev.siskin.router.observe.CallListener;
import dev.siskin.router.h2.FrameForwarder;
import dev.siskin.router.h2.ListenerTls;
import dev.siskin.router.observe.CompositeCallListener;
import dev.siskin.router.observe.FailureReport;
import dev.siskin.router.proxy.CallsInFlight;
import dev.siskin.router.proxy.CompositeCanaryObserver;
import dev.siskin.router.proxy.Resilience;
import dev.siskin.router.proxy.RetryBudget;
import dev.siskin.router.proxy.RetryStats;
import dev.siskin.router.proxy.CanaryObserver;
import dev.siskin.router.proxy.ShadowTraffic;
import dev.siskin.router.route.PickerFactory;
import dev.siskin.router.route.RoutingTable;
import dev.siskin.router.route.RoutingTableHolder;
import dev.siskin.router.route.WeightedPicker;
import dev.siskin.router.route.RoutingRuleStats;
import dev.siskin.router.route.RuleChainRoute;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's running parts: the frame core that forwards every call, the backend pool, the routing table
 * in force and the config state. {@link RouterMain} wires it to the config file; tests drive it directly.
 *
 * <p>Thread-safety: calls read the routing table lock-free. Config changes ({@link #apply}, {@link #reject})
 * are serialized by this object's lock; in practice they come from the config watcher's one thread. The
 * accessors are safe from any thread (the admin endpoint's).
 */
public final class RouterServer {
  private static final Logger log = LoggerFactory.getLogger(RouterServer.class);

  /** Default bound on draining a removed backend and on the graceful part of shutdown. */
  public static final Duration DEFAULT_DRAIN_BOUND = Duration.ofSeconds(30);

  /** The forwarding core: HTTP/2 frames passed between client and backend connections. */
  private final FrameForwarder frames;
  private final InetSocketAddress listenAddress;
  private final dev.siskin.router.config.ClientLimits clientLimits;
  /** router.plaintext-listen ("" = none) and the port it bound (-1 before, or without one). */
  private final String plaintextListen;
  private volatile int plaintextPort = -1;
  private final BackendPool pool;
  private final PickerFactory pickers;
  private final RoutingTableHolder tables = new RoutingTableHolder();
  private final CompositeCanaryObserver canaryObservers = new CompositeCanaryObserver();
  private final ShadowTraffic shadows = new ShadowTraffic(tables::current, canaryObservers);
  private final CompositeCallListener listeners = new CompositeCallListener();
  private final AtomicReference<ConfigState> state = new AtomicReference<>();
  /**
   * The one thread on which health changes happen (check results, ejections and their ends), so that they
   * are serialized; it then republishes the routing table.
   */
  private final ScheduledExecutorService healthThread;
  private final HealthChecker healthChecker;
  private final OutlierDetector outliers;
  private final RetryBudget retryBudget = new RetryBudget();
  private final RetryStats retryStats = new RetryStats();
  private final RoutingRuleStats ruleStats = new RoutingRuleStats();
  private final CallsInFlight callsInFlight = new CallsInFlight();
  /** What is put in force for the file's config: the file itself, or a rollout's weights over it. */
  private final ConfigOverlay overlay;

  /**
   * Turns the file's config into the one put in force (the automated rollout sets weights over it). Called under
   * the router's lock at every install: at start ({@code previous} null), on every applied reload, and when the
   * overlay itself asks ({@link #reinstall()}, {@code previous == file}).
   */
  public interface ConfigOverlay {
    ConfigOverlay NONE = (previous, file) -> file;

    CanaryConfig inForce(CanaryConfig previous, CanaryConfig file);
  }

  private RouterServer(CanaryConfig initial, PickerFactory pickers,
      ChannelFactory channels, Duration drainBound, ConfigOverlay overlay) {
    this.overlay = requireNonNull(overlay, "overlay");
    this.pickers = requireNonNull(pickers, "pickers");
    this.pool = new BackendPool(channels, drainBound);
    this.healthThread = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "siskin-health");
      thread.setDaemon(true);
      return thread;
    });
    this.healthChecker = new HealthChecker(healthThread, tables::current, this::republish, Clock.systemUTC());
    this.outliers = new OutlierDetector(healthThread, tables::current, this::republish, Clock.systemUTC());
    Resilience resilience = new Resilience(() -> tables.current().config().router().failure(),
        outliers::record, retryBudget, retryStats, callsInFlight);
    this.listenAddress = ListenAddress.parse(initial.router().listen());
    this.clientLimits = initial.router().clientLimits();
    this.plaintextListen = initial.router().plaintextListen();
    FailureSettings.Limits limits = initial.router().failure().limits();
    this.frames = new FrameForwarder(new RuleChainRoute(tables, ruleStats), () -> tables.current().config().routing(),
        listeners, () -> tables.current().config().router().failure().limits().defaultDeadline(), resilience,
        shadows, Runtime.getRuntime().availableProcessors(),
        (int) Math.min(Integer.MAX_VALUE, limits.connectTimeout().toMillis()), limits.keepaliveTime(),
        limits.keepaliveTimeout());
  }

  /** A router for {@code initial} with the production picker and channels; call {@link #start()}. */
  public static RouterServer create(CanaryConfig initial) {
    return create(initial, ConfigOverlay.NONE);
  }

  /** A router whose config in force is {@code overlay}'s over the file's (the automated rollout's). */
  public static RouterServer create(CanaryConfig initial, ConfigOverlay overlay) {
    return create(initial, WeightedPicker::create, BackendChannels.FACTORY, DEFAULT_DRAIN_BOUND, overlay);
  }

  /** For tests: an injected picker, channel factory and drain bound. */
  public static RouterServer create(CanaryConfig initial, PickerFactory pickers,
      ChannelFactory channels, Duration drainBound) {
    return create(initial, pickers, channels, drainBound, ConfigOverlay.NONE);
  }

  /** For tests: an injected picker, channel factory, drain bound and overlay. */
  public static RouterServer create(CanaryConfig initial, PickerFactory pickers,
      ChannelFactory channels, Duration drainBound, ConfigOverlay overlay) {
    RouterServer router = new RouterServer(initial, pickers, channels, drainBound, overlay);
    synchronized (router) {
      router.install(router.overlay.inForce(null, initial));
      Instant now = Instant.now();
      router.state.set(new ConfigState(initial, 1, now, new ConfigState.ReloadAttempt(now, true, null)));
    }
    router.healthChecker.start();
    return router;
  }

  /** Binds the listen address and starts taking calls (plaintext h2c). */
  public RouterServer start() throws IOException {
    return start(null);
  }

  /** Binds the listen address and starts taking calls, over TLS when {@code tls} is not null. */
  public RouterServer start(ListenerTls tls) throws IOException {
    try {
      frames.start(listenAddress, tls, clientLimits);
      if (tls != null && !plaintextListen.isEmpty()) {
        plaintextPort = frames.alsoListenPlaintext(ListenAddress.parse(plaintextListen), clientLimits);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopHealth();
      throw new IOException("interrupted while binding " + listenAddress, e);
    } catch (Exception e) { // a failed bind too, which Netty throws undeclared (a java.net.BindException)
      stopHealth();
      synchronized (this) {
        pool.close(Duration.ZERO);
      }
      if (e instanceof IOException io) {
        throw io;
      }
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException("cannot bind " + listenAddress + ": " + e, e);
    }
    return this;
  }

  /** The port of the plaintext listener beside the TLS one, or -1 when there is none. */
  public int plaintextPort() {
    return plaintextPort;
  }

  /** The bound port (useful when {@code router.listen} asked for port 0). */
  public int port() {
    return frames.port();
  }

  /**
   * Applies a new config: new routing table in force at once, backends with an unchanged target kept,
   * removed or re-targeted ones drained. Settings that need a restart ({@code router.listen},
   * {@code router.admin}) are reported and keep their values in force.
   *
   * @return one line describing what changed, for the log
   */
  public synchronized String apply(CanaryConfig next) {
    requireNonNull(next, "next");
    ConfigState before = state.get();
    CanaryConfig previous = before.current();
    warnIfNeedsRestart(previous, next);
    CanaryConfig inForce = keepStartupSettings(previous, next);
    install(overlay.inForce(previous, inForce));
    Instant now = Instant.now();
    state.set(new ConfigState(inForce, before.generation() + 1, now,
        new ConfigState.ReloadAttempt(now, true, null)));
    return describeChange(previous, inForce, before.generation() + 1);
  }

  /**
   * Puts the overlay's config for the file's config in force again: the overlay changed its mind (a rollout
   * moved to another step). Any thread; takes the router's lock.
   */
  public synchronized void reinstall() {
    CanaryConfig file = state.get().current();
    install(overlay.inForce(file, file));
  }

  /** The calls running now, to end a rolled-back canary's long streams. */
  public CallsInFlight callsInFlight() {
    return callsInFlight;
  }

  /**
   * {@code next} with the restart-only settings of {@code previous}: what is actually in force, so that
   * {@code /config} and the next reload's comparison show the listen and admin addresses and the TLS files still
   * bound, not the file's new values.
   */
  static CanaryConfig keepStartupSettings(CanaryConfig previous, CanaryConfig next) {
    RouterSettings was = previous.router();
    RouterSettings now = next.router();
    RouterSettings merged = new RouterSettings(was.listen(), was.admin(), now.policy(), now.accessLog(),
        now.accessLogFormat(), now.failure(), was.warmUpCalls(), was.tls(), was.clientLimits(), was.adminAccess(),
        was.plaintextListen());
    return next.withRouter(merged);
  }

  /**
   * Records a reload attempt that found a valid file equal to the config in force (a rewrite without change,
   * or the file restored after a rejected edit): a successful attempt, nothing to apply.
   *
   * @return whether this attempt cleared a rejection (the attempt before it had failed)
   */
  public synchronized boolean confirmUnchanged() {
    ConfigState before = state.get();
    state.set(new ConfigState(before.current(), before.generation(), before.appliedAt(),
        new ConfigState.ReloadAttempt(Instant.now(), true, null)));
    return !before.lastAttempt().ok();
  }

  /** Records a rejected reload: the last good config keeps serving. */
  public synchronized void reject(ConfigException error) {
    ConfigState before = state.get();
    state.set(new ConfigState(before.current(), before.generation(), before.appliedAt(),
        new ConfigState.ReloadAttempt(Instant.now(), false, error.getMessage())));
  }

  /** Registers where shadow pairs and skipped copies are reported (the comparison, metrics). */
  public void addCanaryObserver(CanaryObserver sink) {
    canaryObservers.add(sink);
  }

  /** Shadow copies running now; for metrics and /canary. */
  public int shadowInFlight() {
    return shadows.inFlight();
  }

  /** The config in force and the last reload attempt; for the admin endpoint. */
  public ConfigState configState() {
    return state.get();
  }

  /** The routing table in force: backends (name, target, in-flight, state, connectivity) and weights. */
  public RoutingTable routingTable() {
    return tables.current();
  }

  /** Retries made and skipped, by backend and code; for the admin endpoint and metrics. */
  public RetryStats retryStats() {
    return retryStats;
  }

  /** Counts of force-header values the routing rules could not use (unknown names, empty values). */
  public RoutingRuleStats routingRuleStats() {
    return ruleStats;
  }

  /** Health of every backend, panic mode and retry counts, now. */
  public FailureReport failureReport() {
    RoutingTable table = tables.current();
    if (table == null) {
      return FailureReport.EMPTY;
    }
    List<FailureReport.BackendHealth> backends = new ArrayList<>();
    for (Backend backend : table.backends()) {
      HostHealth.Status status = backend.health().status();
      backends.add(new FailureReport.BackendHealth(backend.name(),
          status.state().name().toLowerCase(java.util.Locale.ROOT), status.state().routable(), status.reason(),
          status.since(), status.ejectedUntil(), backend.health().ejectionsTotal(), backend.maxInFlight()));
    }
    return new FailureReport(table.panic(), backends, retryStats.retriesByBackend(), retryBudget.activeRetries(),
        retryBudget.exhaustedTotal(), retryStats.skippedTotal(RetryStats.Skipped.BUFFER_LIMIT));
  }

  /** Calls and retries in flight, and how often the budget refused a retry. */
  public RetryBudget retryBudget() {
    return retryBudget;
  }

  /** Where metrics, admin and access logs register; listeners see every call from their registration on. */
  public CompositeCallListener callListeners() {
    return listeners;
  }

  /** Shorthand for {@code callListeners().add(listener)}. */
  public void addCallListener(CallListener listener) {
    listeners.add(listener);
  }

  /**
   * Stops taking new calls, lets the running ones finish for up to {@code grace}, then cancels what is left
   * and closes every backend channel. Returns true when every call finished within the grace period.
   */
  public boolean shutdown(Duration grace) throws InterruptedException {
    boolean drained = frames.shutdown(grace);
    stopHealth();
    synchronized (this) {
      // The server has stopped: nothing is in flight unless the grace period ran out, so a short bound.
      pool.close(Duration.ofSeconds(2));
    }
    return drained;
  }

  private void stopHealth() {
    healthChecker.stop();
    healthThread.shutdownNow();
  }

  /** Builds and publishes the table for {@code config}, then drains what it dropped. Holds the lock. */
  /**
   * Puts {@code config} in force, or nothing of it: a failure (a channel that cannot be opened, a table that
   * cannot be built) throws before anything changed and leaves no channel behind.
   */
  private void install(CanaryConfig config) {
    BackendPool.Update update = pool.prepare(config.backends(), config.router());
    RoutingTable table;
    try {
      table = RoutingTable.build(config, update.backends(), pickers);
    } catch (RuntimeException e) {
      pool.abort(update);
      throw e;
    }
    pool.commit(update);
    publish(table);
    pool.drain(update.retired());
  }

  /**
   * Rebuilds the table in force over the same config and backends after a backend's health changed, so that
   * the picker leaves out what is unhealthy or ejected. Runs on the health thread.
   */
  private synchronized void republish() {
    RoutingTable table = tables.current();
    if (table == null) {
      return;
    }
    RoutingTable next = RoutingTable.build(table.config(), table.backends(), pickers);
    // A change that leaves the same backends routable (e.g. not checked yet -> healthy) keeps the picker in
    // force: a new one would restart the smooth round-robin's window.
    if (!next.sameRouting(table)) {
      publish(next);
    }
  }

  private void publish(RoutingTable next) {
    RoutingTable before = tables.publish(next);
    boolean wasPanic = before != null && before.panic();
    if (next.panic() && !wasPanic) {
      if (next.backends().stream().anyMatch(b -> b.health().everHealthy())) {
        log.warn("no backend with a weight > 0 is healthy: panic mode, calls go to every backend by its weight ({})",
            describeHealth(next));
      } else {
        // Nothing has gone down: the backends are not up yet (the router started first). HealthChecker warns
        // about one that stays down.
        log.info("no backend is serving yet: calls go to every backend by its weight until one passes a health "
            + "check ({})", describeHealth(next));
      }
    } else if (!next.panic() && wasPanic) {
      log.info("panic mode over: routing to the healthy backends again ({})", describeHealth(next));
    }
  }

  private static String describeHealth(RoutingTable table) {
    return table.backends().stream()
        .map(b -> b.name() + " " + b.health().status().state().name().toLowerCase(java.util.Locale.ROOT))
        .collect(Collectors.joining(", "));
  }

  /** These settings are bound into sockets and transports at start: a reload reports them and keeps the old. */
  private static void warnIfNeedsRestart(CanaryConfig previous, CanaryConfig next) {
    warnIfChanged("router.listen", previous.router().listen(), next.router().listen(), next);
    warnIfChanged("router.admin", previous.router().admin(), next.router().admin(), next);
    warnIfChanged("router.tls", tlsSetting(previous.router()), tlsSetting(next.router()), next);
    warnIfChanged("router.plaintext-listen", previous.router().plaintextListen(), next.router().plaintextListen(),
        next);
    warnIfChanged("router.client-idle-timeout / max-connections-per-client-address",
        previous.router().clientLimits(), next.router().clientLimits(), next);
    warnIfChanged("router.admin-token-file / admin-disagreement-examples / admin-tls",
        previous.router().adminAccess(), next.router().adminAccess(), next);
  }

  /** {@code router.tls.cert=/etc/siskin/router.crt, router.tls.key=...}, or {@code off}. */
  static String tlsSetting(RouterSettings settings) {
    return settings.tls().map(files -> files.all().stream().map(Object::toString)
        .collect(Collectors.joining(", "))).orElse("off");
  }

  private static void warnIfChanged(String key, Object was, Object now, CanaryConfig next) {
    if (!was.equals(now)) {
      log.warn("{} changed from {} to {} in {}: this needs a restart; still using {}", key, was, now,
          next.source(), was);
    }
  }

  /** E.g. {@code generation 3: v1 90->50, v2 10->50, v3 added (127.0.0.1:50054) 0, policy random}. */
  static String describeChange(CanaryConfig previous, CanaryConfig next, long generation) {
    Map<String, BackendSpec> old = new HashMap<>();
    previous.backends().forEach(spec -> old.put(spec.name(), spec));
    List<String> parts = new ArrayList<>();
    for (BackendSpec spec : next.backends()) {
      BackendSpec was = old.remove(spec.name());
      if (was == null) {
        parts.add(spec.name() + " added (" + spec.target() + ") weight " + spec.weight());
      } else if (!was.target().equals(spec.target())) {
        parts.add(spec.name() + " " + was.weight() + "->" + spec.weight() + " target " + was.target() + "->"
            + spec.target());
      } else {
        parts.add(spec.name() + " " + was.weight() + "->" + spec.weight());
      }
    }
    old.values().forEach(spec -> parts.add(spec.name() + " removed (was " + spec.target() + ")"));
    if (previous.router().policy() != next.router().policy()) {
      parts.add("policy " + previous.router().policy().configName() + "->" + next.router().policy().configName());
    }
    RoutingSettings was = previous.routing();
    RoutingSettings now = next.routing();
    if (!was.forceHeader().equals(now.forceHeader())) {
      parts.add("force-header " + headerOrOff(was.forceHeader()) + "->" + headerOrOff(now.forceHeader()));
    }
    if (!was.stickyHeader().equals(now.stickyHeader())) {
      parts.add("sticky-header " + headerOrOff(was.stickyHeader()) + "->" + headerOrOff(now.stickyHeader()));
    }
    if (!was.stickySalt().equals(now.stickySalt())) {
      parts.add("sticky-salt changed (every sticky key is placed anew)");
    }
    return "generation " + generation + ": " + String.join(", ", parts);
  }

  /**
   * E.g. {@code policy=smooth-weighted-round-robin force-header=x-canary-backend sticky-header=off
   * backends=[v1 127.0.0.1:50052 weight=90, ...]}.
   */
  static String describe(CanaryConfig config) {
    return "policy=" + config.router().policy().configName()
        + " force-header=" + headerOrOff(config.routing().forceHeader())
        + " sticky-header=" + headerOrOff(config.routing().stickyHeader())
        + " backends=" + config.backends().stream()
        .map(spec -> spec.name() + " " + spec.target() + " weight=" + spec.weight())
        .collect(Collectors.joining(", ", "[", "]"));
  }

  private static String headerOrOff(String header) {
    return header.isEmpty() ? "off" : header;
  }
}
