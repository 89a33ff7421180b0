package dev.siskin.router.cluster;

import io.grpc.ConnectivityState;
import dev.siskin.router.observe.EndpointSnapshot;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One address of one backend: its calls in flight, finished and failed, and the state of the backend channel's
 * connection to it (the best one's, should there be several, e.g. while a subchannel is being replaced).
 *
 * <p>Thread-safety: the counters are atomics bumped by the frame core's calls (no locks there); the connection states are
 * volatile fields of its {@link Connection}s, written on the channel's synchronization context.
 */
final class EndpointStats implements EndpointCalls {
  private final String address;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final LongAdder calls = new LongAdder();
  private final LongAdder failed = new LongAdder();
  /** The channel's connections (subchannels) to this address; a removed address has none. */
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  /** Told of every change of a connection's state, so that readers of the snapshots know to read again. */
  private final Runnable changed;

  EndpointStats(String address, Runnable changed) {
    this.address = address;
    this.changed = changed;
  }

  String address() {
    return address;
  }

  @Override
  public void started() {
    inFlight.incrementAndGet();
  }

  @Override
  public void finished(boolean ok) {
    inFlight.decrementAndGet();
    calls.increment();
    if (!ok) {
      failed.increment();
    }
  }

  /** A subchannel's connection to this address, from its creation until it is shut down. */
  Connection connect() {
    Connection connection = new Connection();
    connections.add(connection);
    changed.run();
    return connection;
  }

  /** Neither connected nor carrying a call: nothing left to show. */
  boolean gone() {
    return connections.isEmpty() && inFlight.get() == 0;
  }

  EndpointSnapshot snapshot() {
    ConnectivityState best = null;
    for (Connection connection : connections) {
      ConnectivityState state = connection.state();
      if (best == null || rank(state) < rank(best)) {
        best = state;
      }
    }
    boolean removed = best == null;
    String state = removed ? "DRAINING" : best.name();
    return new EndpointSnapshot(address, state, best == ConnectivityState.READY, inFlight.get(), calls.sum(),
        failed.sum(), removed);
  }

  /** Lower is better: READY, CONNECTING, TRANSIENT_FAILURE, IDLE, SHUTDOWN. */
  private static int rank(ConnectivityState state) {
    switch (state) {
      case READY: return 0;
      case CONNECTING: return 1;
      case TRANSIENT_FAILURE: return 2;
      case IDLE: return 3;
      default: return 4;
    }
  }

  /**
   * One subchannel's connection to the address. Its state is the subchannel's raw state, adjusted by the
   * per-address health check: grpc delivers the health verdict either folded into the raw state (old
   * pick_first) or separately to a health listener (pick_first leaf), so both are kept.
   */
  final class Connection {
    private volatile ConnectivityState raw = ConnectivityState.IDLE;
    /** The health listener's verdict; null while grpc delivers health folded into {@link #raw}. */
    private volatile ConnectivityState health;

    void raw(ConnectivityState state) {
      raw = state;
      changed.run();
      if (state == ConnectivityState.SHUTDOWN) {
        close();
      }
    }

    void health(ConnectivityState state) {
      health = state;
      changed.run();
    }

    ConnectivityState state() {
      ConnectivityState r = raw;
      ConnectivityState h = health;
      return r != ConnectivityState.READY || h == null ? r : h;
    }

    /** The subchannel was shut down (address removed, or the channel closed). Idempotent. */
    void close() {
      connections.remove(this);
      changed.run();
    }
  }
}
