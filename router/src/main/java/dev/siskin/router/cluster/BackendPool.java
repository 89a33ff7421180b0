package dev.siskin.router.cluster;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.RouterSettings;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns every backend and its channel (Envoy's cluster manager). On a config change it keeps the backends
 * whose target did not change -- same channel, same connections, no call disturbed -- opens the new ones,
 * and drains the removed or re-targeted ones after the new routing table is in force.
 *
 * <p>Thread-safety: {@link #update}, {@link #drain} and {@link #close} must be called from one thread at a
 * time (the router's config thread); {@code active} is confined to it. Backends themselves are thread-safe.
 */
public final class BackendPool implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BackendPool.class);

  private final ChannelFactory channels;
  private final Duration drainBound;
  /** Runs the drain bounds; one daemon thread, idle between drains. */
  private final ScheduledExecutorService drainTimer;
  /** Backends of the config in force, by name. Confined to the config thread. */
  private final Map<String, Backend> active = new HashMap<>();
  /** Backends being drained, so that close() can end them. Confined to the config thread. */
  private final List<Backend> draining = new ArrayList<>();

  /**
   * @param channels   opens a backend's channel, e.g. {@link BackendChannels#open}
   * @param drainBound how long a removed backend's calls may run before they are cancelled
   */
  public BackendPool(ChannelFactory channels, Duration drainBound) {
    this.channels = requireNonNull(channels, "channels");
    this.drainBound = requireNonNull(drainBound, "drainBound");
    this.drainTimer = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "siskin-drain-timer");
      thread.setDaemon(true);
      return thread;
    });
  }

  private Backend open(BackendSpec spec, RouterSettings router) {
    ResolvedAddressBook addresses = new ResolvedAddressBook();
    BackendTls tls = spec.tls().map(s -> BackendTls.open(spec.name(), spec.target(), s)).orElse(null);
    try {
      ManagedChannel channel = router == null
          ? channels.open(spec.target(), addresses)
          : channels.open(spec.target(), addresses, router.failure().limits(),
              router.failure().healthCheck().enabled() ? spec.healthCheckService(router) : null, tls);
      return new Backend(spec.name(), spec.target(), channel, addresses, tls);
    } catch (RuntimeException e) {
      if (tls != null) {
        tls.close();
      }
      throw e;
    }
  }

  /**
   * The result of {@link #update}: the backends to route to, and the ones to drain once they are not.
   * {@code opened} are the new ones among {@code backends}, closed again by {@link #abort}; {@code maxInFlight}
   * holds each backend's cap (null: leave it), set by {@link #commit}.
   */
  public record Update(List<Backend> backends, List<Backend> retired, List<Backend> opened,
      Map<String, Backend> next, List<Integer> maxInFlight) {}

  /**
   * Lines the pool up with {@code specs}. Does not drain anything yet: the caller first publishes a routing
   * table over {@link Update#backends()}, then passes {@link Update#retired()} to {@link #drain}.
   */
  public Update update(List<BackendSpec> specs) {
    Update update = prepare(specs, null);
    commit(update);
    return update;
  }

  /**
   * Opens what {@code specs} need beyond the backends in force and notes each one's in-flight cap from
   * {@code router} (when not null) at {@link #commit}; the pool itself is unchanged until then. If opening a channel
   * fails, the channels already opened for this update are closed again and the exception is rethrown: a
   * failed update leaves nothing behind.
   */
  public Update prepare(List<BackendSpec> specs, RouterSettings router) {
    Map<String, Backend> next = new HashMap<>();
    List<Backend> ordered = new ArrayList<>(specs.size());
    List<Backend> opened = new ArrayList<>();
    try {
      for (BackendSpec spec : specs) {
        Backend kept = active.get(spec.name());
        Backend backend;
        if (kept != null && kept.target().equals(spec.target()) && kept.tlsSettings().equals(spec.tls())) {
          backend = kept;
        } else {
          backend = open(spec, router);
          opened.add(backend);
        }
        next.put(spec.name(), backend);
        ordered.add(backend);
      }
    } catch (RuntimeException e) {
      opened.forEach(Backend::forceClose);
      throw e;
    }
    List<Integer> caps = new ArrayList<>(specs.size());
    for (BackendSpec spec : specs) {
      caps.add(router == null ? null : spec.maxInFlight(router));
    }
    List<Backend> retired = new ArrayList<>();
    for (Backend old : active.values()) {
      if (next.get(old.name()) != old) {
        retired.add(old);
      }
    }
    return new Update(List.copyOf(ordered), List.copyOf(retired), List.copyOf(opened), Map.copyOf(next),
        Collections.unmodifiableList(caps));
  }

  /** Puts a prepared update in force (the backends of {@link #drain} still to be drained by the caller). */
  public void commit(Update update) {
    for (int i = 0; i < update.backends().size(); i++) {
      Integer cap = update.maxInFlight().get(i);
      if (cap != null) {
        update.backends().get(i).maxInFlight(cap);
      }
    }
    active.clear();
    active.putAll(update.next());
  }

  /** Gives up a prepared update that will not be committed: closes the channels it opened. */
  public void abort(Update update) {
    update.opened().forEach(Backend::forceClose);
  }

  /**
   * Stops new calls to {@code retired} backends; each closes when its last call ends, or is forced closed
   * after the drain bound.
   */
  public void drain(List<Backend> retired) {
    for (Backend backend : retired) {
      log.info("backend {} ({}) removed from routing; draining {} call(s), at most {} s",
          backend.name(), backend.target(), backend.inFlight(), drainBound.toSeconds());
      backend.drain();
      draining.removeIf(b -> b.state() == Backend.State.CLOSED);
      draining.add(backend);
      drainTimer.schedule(backend::forceClose, drainBound.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Closes every backend: waits up to {@code bound} for their running calls, then cancels the rest. Used at
   * shutdown, after the server stopped taking calls.
   */
  @Override
  public void close() {
    close(drainBound);
  }

  public void close(Duration bound) {
    List<Backend> all = new ArrayList<>(active.values());
    all.addAll(draining);
    active.clear();
    draining.clear();
    all.forEach(Backend::drain);
    long deadline = System.nanoTime() + bound.toNanos();
    try {
      for (Backend backend : all) {
        while (backend.state() != Backend.State.CLOSED && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        long left = Math.max(0, deadline - System.nanoTime());
        if (backend.state() != Backend.State.CLOSED || !backend.awaitClosed(left, TimeUnit.NANOSECONDS)) {
          backend.forceClose();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      all.forEach(Backend::forceClose);
    } finally {
      drainTimer.shutdownNow();
    }
  }
}
