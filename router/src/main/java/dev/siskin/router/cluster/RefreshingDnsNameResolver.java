package dev.siskin.router.cluster;

import static java.util.Objects.requireNonNull;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.ProxiedSocketAddress;
import io.grpc.ProxyDetector;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code dns:} name resolver that looks its name up again every {@code interval} (jittered by +-20 %), as
 * Envoy's STRICT_DNS does, instead of only when a connection fails as grpc-java's own does (grpc-java#1463):
 * a headless Kubernetes Service's new pods then get calls within one interval. {@link #refresh()} (grpc calls it
 * when a connection fails) looks up soon, at most once a second.
 *
 * <p>Only a changed answer (the sorted set of addresses) is reported to the channel. A failed lookup keeps the
 * last good set -- the backends behind it are usually still there, and a DNS outage must not take a backend
 * out -- and is recorded in {@link DnsStatus} (one WARN per failing streak, an INFO when it ends); with no good
 * set yet, the channel gets UNAVAILABLE naming the host and the reason. An IP literal is looked up once.
 *
 * <p>Thread-safety: every lookup and every field below runs on the one {@code executor} thread (never an event
 * loop: a lookup blocks); results reach the channel through its {@link SynchronizationContext}.
 */
final class RefreshingDnsNameResolver extends NameResolver {
  private static final Logger log = LoggerFactory.getLogger(RefreshingDnsNameResolver.class);
  /** Jitter of the interval, so that many routers (and one router's backends) do not ask in step. */
  static final double JITTER = 0.2;
  /** The least time between two lookups that {@link #refresh()} asks for (a reconnect storm asks often). */
  static final Duration MIN_REFRESH_GAP = Duration.ofSeconds(1);
  /** Retries of a name that never resolved, when periodic lookups are off: doubling from 1 s to this. */
  static final Duration MAX_RETRY_BACKOFF = Duration.ofSeconds(30);

  private final DnsTarget target;
  private final Duration interval;
  private final DnsLookup lookup;
  private final ScheduledExecutorService executor;
  private final SynchronizationContext syncContext;
  private final ProxyDetector proxyDetector;
  private final DnsStatus status;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final DoubleSupplier random;

  private volatile Listener2 listener;
  private volatile boolean shutdown;
  /** The addresses last reported to the channel; null before the first report. Executor thread only. */
  private List<InetSocketAddress> reported;
  private ScheduledFuture<?> next;
  private long nextDueNanos;
  private long lastLookupNanos;
  private boolean lookedUp;
  private long retryBackoffNanos;

  /**
   * @param interval how often to look up again; zero = only when {@link #refresh()} asks
   * @param status   where lookups are recorded: the backend's
   * @param random   values in [0, 1) for the jitter
   */
  RefreshingDnsNameResolver(DnsTarget target, Duration interval, DnsLookup lookup, ScheduledExecutorService executor,
      SynchronizationContext syncContext, ProxyDetector proxyDetector, DnsStatus status, Clock clock,
      LongSupplier nanoTime, DoubleSupplier random) {
    this.target = requireNonNull(target, "target");
    this.interval = requireNonNull(interval, "interval");
    this.lookup = requireNonNull(lookup, "lookup");
    this.executor = requireNonNull(executor, "executor");
    this.syncContext = requireNonNull(syncContext, "syncContext");
    this.proxyDetector = proxyDetector;
    this.status = requireNonNull(status, "status");
    this.clock = requireNonNull(clock, "clock");
    this.nanoTime = requireNonNull(nanoTime, "nanoTime");
    this.random = requireNonNull(random, "random");
  }

  @Override
  public String getServiceAuthority() {
    return target.authority();
  }

  @Override
  public void start(Listener2 listener) {
    this.listener = requireNonNull(listener, "listener");
    submit(this::resolve);
  }

  @Override
  public void refresh() {
    submit(this::refreshSoon);
  }

  @Override
  public void shutdown() {
    shutdown = true;
    submit(this::cancelNext);
  }

  private void submit(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      // The JVM is stopping: nothing left to resolve for.
    }
  }

  private void refreshSoon() {
    if (shutdown) {
      return;
    }
    long now = nanoTime.getAsLong();
    long delay = lookedUp ? Math.max(0, lastLookupNanos + MIN_REFRESH_GAP.toNanos() - now) : 0;
    if (next != null && nextDueNanos - now <= delay) {
      return; // a lookup is due at least as soon anyway
    }
    schedule(delay);
  }

  private void resolve() {
    next = null;
    if (shutdown) {
      return;
    }
    lookedUp = true;
    lastLookupNanos = nanoTime.getAsLong();
    List<InetSocketAddress> answer;
    try {
      ProxiedSocketAddress proxied = proxied();
      if (proxied != null) {
        // A proxy resolves the name itself; grpc's resolver reports the proxy once as well.
        report(List.of(new EquivalentAddressGroup(proxied)));
        return;
      }
      answer = lookUp();
    } catch (IOException | RuntimeException e) {
      failed(e);
      return;
    }
    if (status.succeeded(clock.instant())) {
      log.info("DNS lookup of {} answers again: {}", target.host(), describe(answer));
    }
    retryBackoffNanos = 0;
    if (!answer.equals(reported)) {
      reported = answer;
      List<EquivalentAddressGroup> groups = new ArrayList<>(answer.size());
      answer.forEach(a -> groups.add(new EquivalentAddressGroup(a)));
      report(groups);
    }
    scheduleNextPeriodic();
  }

  private ProxiedSocketAddress proxied() throws IOException {
    if (proxyDetector == null) {
      return null;
    }
    return proxyDetector.proxyFor(InetSocketAddress.createUnresolved(target.host(), target.port()));
  }

  /** The answer, sorted, so that the same set in another order is no change. */
  private List<InetSocketAddress> lookUp() throws IOException {
    List<InetAddress> found = lookup.lookup(target.host());
    if (found == null || found.isEmpty()) {
      throw new java.net.UnknownHostException(target.host() + ": no addresses");
    }
    List<InetSocketAddress> answer = new ArrayList<>(found.size());
    for (InetAddress address : found) {
      InetSocketAddress socket = new InetSocketAddress(address, target.port());
      if (!answer.contains(socket)) {
        answer.add(socket);
      }
    }
    answer.sort(Comparator.comparing(ResolvedAddressBook::format));
    return List.copyOf(answer);
  }

  private void report(List<EquivalentAddressGroup> groups) {
    ResolutionResult result = ResolutionResult.newBuilder()
        .setAddressesOrError(StatusOr.fromValue(groups))
        .build();
    syncContext.execute(() -> {
      if (shutdown) {
        return;
      }
      Status accepted = listener.onResult2(result);
      if (!accepted.isOk()) {
        // The balancer refused the set: report it again after the next lookup instead of waiting for a change.
        log.debug("channel for {} did not accept {}: {}", target.authority(), groups, accepted);
        submit(() -> reported = null);
      }
    });
  }

  private void failed(Exception e) {
    String reason = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    boolean newStreak = status.failed(clock.instant(), reason);
    if (reported == null) {
      if (newStreak) {
        log.warn("DNS lookup of {} failed ({}); no addresses yet, calls to it fail until it resolves",
            target.host(), reason);
      }
      Status error = Status.UNAVAILABLE.withDescription("DNS lookup of " + target.host() + " failed: " + reason)
          .withCause(e);
      syncContext.execute(() -> {
        if (!shutdown) {
          listener.onError(error);
        }
      });
    } else if (newStreak) {
      log.warn("DNS lookup of {} failed ({}); keeping the last good addresses {} until it answers again",
          target.host(), reason, describe(reported));
    }
    if (!interval.isZero()) {
      scheduleNextPeriodic();
    } else if (reported == null) {
      // Nobody else will ask again (grpc's refresh comes from failed connections, and there are none).
      retryBackoffNanos = retryBackoffNanos == 0 ? TimeUnit.SECONDS.toNanos(1)
          : Math.min(retryBackoffNanos * 2, MAX_RETRY_BACKOFF.toNanos());
      schedule(retryBackoffNanos);
    }
  }

  private void scheduleNextPeriodic() {
    if (interval.isZero() || target.literal()) {
      return;
    }
    double factor = 1 + JITTER * (2 * random.getAsDouble() - 1);
    schedule((long) (interval.toNanos() * factor));
  }

  private void schedule(long delayNanos) {
    cancelNext();
    nextDueNanos = nanoTime.getAsLong() + delayNanos;
    try {
      next = executor.schedule(this::resolve, delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      next = null;
    }
  }

  private void cancelNext() {
    if (next != null) {
      next.cancel(false);
      next = null;
    }
  }

  private static String describe(List<InetSocketAddress> addresses) {
    return addresses.stream().map(ResolvedAddressBook::format).toList().toString();
  }

  @Override
  public String toString() {
    return "RefreshingDnsNameResolver{" + target.authority() + ", every " + interval + "}";
  }
}
