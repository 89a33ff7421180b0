package dev.siskin.router.cluster;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.observe.DnsSnapshot;
import dev.siskin.router.observe.EndpointSnapshot;
import io.grpc.Channel;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One named backend (Envoy's cluster): a long-lived grpc-java channel to its target (resolution, per-address
 * health, active health checks; the frame core forwards on connections of its own), and the count of calls in
 * flight on it, so that a backend taken out of the config is closed only after its last call ends.
 *
 * <p>Life: ACTIVE, then (once removed from the config) DRAINING -- no new calls are admitted, the running
 * ones finish -- then CLOSED, when the last call released it or the drain bound ran out.
 *
 * <p>It also carries the backend's {@link HostHealth} and its cap on calls in flight ({@link #admit}).
 *
 * <p>Thread-safe. Calls {@link #tryAcquire} / {@link #release} from any thread; {@link #drain} from the
 * pool's one mutating thread. Admission and drain meet on two atomics in Dekker order (acquire raises the
 * count, then reads the flag; drain raises the flag, then reads the count), so a call is either admitted
 * and waited for, or refused and re-routed -- never started on a closed channel.
 */
public final class Backend {
  private static final Logger log = LoggerFactory.getLogger(Backend.class);

  /** Where a backend is in its life. */
  public enum State { ACTIVE, DRAINING, CLOSED }

  /** The answer of {@link #admit}. */
  public enum Admission {
    /** The call may start; release the backend when it ends. */
    ADMITTED,
    /** The backend is being removed: pick again from the current routing table. */
    DRAINING,
    /** The backend has {@code max-in-flight} calls running already: refuse the call. */
    OVERLOADED
  }

  private final String name;
  private final String target;
  private final ManagedChannel channel;
  private final ResolvedAddressBook addresses;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean draining;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final HostHealth health = new HostHealth(java.time.Instant.now());
  /** Cap on calls in flight; 0 = none. Set by the pool's config thread on every reload. */
  private volatile int maxInFlight;

  /** How the backend is called over TLS; null: plaintext. */
  private final BackendTls tls;

  public Backend(String name, String target, ManagedChannel channel, ResolvedAddressBook addresses) {
    this(name, target, channel, addresses, null);
  }

  /** @param tls how the backend is called over TLS (closed with the backend); null: plaintext */
  public Backend(String name, String target, ManagedChannel channel, ResolvedAddressBook addresses, BackendTls tls) {
    this.name = requireNonNull(name, "name");
    this.target = requireNonNull(target, "target");
    this.channel = requireNonNull(channel, "channel");
    this.addresses = requireNonNull(addresses, "addresses");
    this.tls = tls;
  }

  /** How the frame core's connections and the health checks reach it over TLS; null: plaintext. */
  public BackendTls tls() {
    return tls;
  }

  /** Its {@code tls} block as configured, to tell whether a reload changed it. */
  java.util.Optional<dev.siskin.router.config.BackendTlsSettings> tlsSettings() {
    return tls == null ? java.util.Optional.empty() : java.util.Optional.of(tls.settings());
  }

  /** Health-check verdict, ejection and reason. */
  public HostHealth health() {
    return health;
  }

  /** The cap on calls in flight in force (0 = none). */
  public int maxInFlight() {
    return maxInFlight;
  }

  void maxInFlight(int max) {
    this.maxInFlight = max;
  }

  /**
   * After a failed health check: lets the channel reconnect at the next call instead of waiting out its
   * exponential reconnect backoff (up to 2 min), so a backend that comes back is seen within one check interval.
   */
  void resetConnectBackoff() {
    channel.resetConnectBackoff();
  }

  public String name() {
    return name;
  }

  public String target() {
    return target;
  }

  /** The backend's grpc-java channel, for its health checks ({@link HealthChecker}); no call is forwarded on it. */
  public Channel channel() {
    return channel;
  }

  /** The addresses the target last resolved to ({@code host:port}); empty until the channel resolved it. */
  public List<String> resolvedAddresses() {
    return addresses.addresses();
  }

  /** Its addresses with their states and calls (see {@link ResolvedAddressBook#endpoints()}). */
  public List<EndpointSnapshot> endpoints() {
    return addresses.endpoints();
  }

  /** Changes whenever its addresses or their states may have (see {@link ResolvedAddressBook#generation()}). */
  public long addressGeneration() {
    return addresses.generation();
  }

  /** The call counters of one of its addresses ({@code host:port}), for a core that picks addresses itself. */
  public EndpointCalls endpointCalls(String address) {
    return addresses.calls(address);
  }

  /** What the DNS lookups of its target saw. */
  public DnsSnapshot dns() {
    return addresses.dns().snapshot();
  }

  /** Calls admitted and not yet finished. */
  public int inFlight() {
    return inFlight.get();
  }

  public State state() {
    if (closed.get()) {
      return State.CLOSED;
    }
    return draining ? State.DRAINING : State.ACTIVE;
  }

  /** The channel's connectivity (IDLE until the first call, then CONNECTING, READY, TRANSIENT_FAILURE...). */
  public ConnectivityState connectivity() {
    return channel.getState(false);
  }

  /**
   * Admits one call. Returns false when the backend is draining: the caller must pick again from the
   * current routing table, which no longer contains this backend.
   */
  public boolean tryAcquire() {
    inFlight.incrementAndGet();
    if (draining) {
      release();
      return false;
    }
    return true;
  }

  /**
   * Admits one call unless the backend is draining or already has {@link #maxInFlight()} calls running. Only
   * {@link Admission#ADMITTED} holds a slot, to be given back with {@link #release()}.
   */
  public Admission admit() {
    int running = inFlight.incrementAndGet();
    if (draining) {
      release();
      return Admission.DRAINING;
    }
    int max = maxInFlight;
    if (max > 0 && running > max) {
      release();
      return Admission.OVERLOADED;
    }
    return Admission.ADMITTED;
  }

  /** Ends one admitted call; exactly once per successful {@link #tryAcquire}. */
  public void release() {
    if (inFlight.decrementAndGet() == 0 && draining) {
      close();
    }
  }

  /**
   * Stops admitting calls and closes the channel once the running ones have finished. Idempotent.
   * {@link #forceClose} is the bound on how long that may take.
   */
  void drain() {
    draining = true;
    if (inFlight.get() == 0) {
      close();
    }
  }

  /** Ends the drain now: running calls fail with UNAVAILABLE/CANCELLED. */
  void forceClose() {
    draining = true;
    closed.set(true);
    if (channel.isTerminated()) {
      return;
    }
    int left = inFlight.get();
    if (left > 0) {
      log.warn("backend {} ({}): {} call(s) still running at the end of the drain bound; cancelling them",
          name, target, left);
    }
    channel.shutdownNow();
    closeTls();
  }

  private void closeTls() {
    if (tls != null) {
      tls.close();
    }
  }

  /** Waits for the channel to terminate; true if it did within the bound. */
  boolean awaitClosed(long timeout, TimeUnit unit) throws InterruptedException {
    return channel.awaitTermination(timeout, unit);
  }

  private void close() {
    if (closed.compareAndSet(false, true)) {
      // Every admitted call has ended, so a graceful shutdown has nothing left to wait for.
      channel.shutdown();
      closeTls();
      log.debug("backend {} ({}) drained and closed", name, target);
    }
  }

  @Override
  public String toString() {
    return name + " (" + target + ")";
  }
}
