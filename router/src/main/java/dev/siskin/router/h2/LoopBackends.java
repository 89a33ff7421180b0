package dev.siskin.router.h2;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.observe.EndpointSnapshot;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The backend connections of one event loop: one per backend address, opened on first use, replaced once it
 * closes or stops taking calls. A backend's calls go round robin over its addresses that the backend's health
 * checks call healthy (the addresses its grpc-java health channel resolved), else over every address it
 * resolved, else to its target as written.
 *
 * <p>Event-loop confined: one instance per loop, used on that loop only.
 */
final class LoopBackends {
  private final Connector connector;
  private final int windowBytes;
  private final Map<InetSocketAddress, BackendConnection> connections = new HashMap<>();
  private final Map<String, Integer> next = new HashMap<>();
  /**
   * Each backend's addresses as last read: reading them builds snapshots of every address's counters, too much
   * for every call, so they are read again at most every {@link #ADDRESSES_TTL_NANOS}. By identity: a backend
   * re-targeted by a reload is a new object.
   */
  private final Map<Backend, Addresses> addresses = new java.util.IdentityHashMap<>();
  private static final long ADDRESSES_TTL_NANOS = 200_000_000L;

  private record Addresses(List<InetSocketAddress> list, long readAt) {}

  /**
   * How a connection to a backend address is made: a channel on the loop with {@code handler} as its pipeline,
   * connecting to {@code address}. A seam for the frame-level tests, which give EmbeddedChannels instead of TCP
   * connects so that client and backend connections run on the test's thread as on one loop.
   */
  @FunctionalInterface
  interface Connector {
    /** @return completes when connected; a failure ends the calls waiting for the connection */
    ChannelFuture connect(InetSocketAddress address, BackendConnection handler);
  }

  LoopBackends(EventLoop loop, Class<? extends Channel> channelType, int windowBytes, int connectTimeoutMillis) {
    this((address, handler) -> new Bootstrap().group(loop).channel(channelType)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
        .handler(handler)
        .connect(address), windowBytes);
  }

  /** Package-private for tests: connections made by {@code connector} (see {@link Connector}). */
  LoopBackends(Connector connector, int windowBytes) {
    this.connector = connector;
    this.windowBytes = windowBytes;
  }

  /** A connection for the backend's next address, or null when it has none. */
  BackendConnection connectionFor(Backend backend) {
    List<InetSocketAddress> addresses = cachedAddresses(backend);
    if (addresses.isEmpty()) {
      return null;
    }
    int i = Math.floorMod(next.merge(backend.name(), 1, Integer::sum), addresses.size());
    InetSocketAddress address = addresses.get(i);
    BackendConnection conn = connections.get(address);
    if (conn == null || !conn.usable()) {
      conn = connect(address);
    }
    return conn;
  }

  private BackendConnection connect(InetSocketAddress address) {
    BackendConnection[] self = new BackendConnection[1];
    BackendConnection conn = BackendConnection.create(address, windowBytes, () -> {
      if (connections.get(address) == self[0]) {
        connections.remove(address);
      }
    });
    self[0] = conn;
    connections.put(address, conn);
    ChannelFuture f = connector.connect(address, conn);
    f.addListener(done -> {
      if (!done.isSuccess()) {
        conn.connectFailed(done.cause());
      }
    });
    return conn;
  }

  private List<InetSocketAddress> cachedAddresses(Backend backend) {
    long now = System.nanoTime();
    Addresses cached = addresses.get(backend);
    if (cached == null || now - cached.readAt() > ADDRESSES_TTL_NANOS) {
      if (addresses.size() > 64) {
        addresses.clear(); // backends of old configs: they are read again if still in use
      }
      cached = new Addresses(addresses(backend), now);
      addresses.put(backend, cached);
    }
    return cached.list();
  }

  private static List<InetSocketAddress> addresses(Backend backend) {
    List<InetSocketAddress> healthy = new ArrayList<>();
    for (EndpointSnapshot e : backend.endpoints()) {
      if (e.healthy() && !e.removed()) {
        healthy.add(parse(e.address()));
      }
    }
    if (!healthy.isEmpty()) {
      return healthy;
    }
    List<InetSocketAddress> resolved = new ArrayList<>();
    for (String a : backend.resolvedAddresses()) {
      resolved.add(parse(a));
    }
    if (!resolved.isEmpty()) {
      return resolved;
    }
    String target = backend.target();
    return target.startsWith("dns:") ? List.of() : List.of(parse(target));
  }

  /** {@code host:port} or {@code [v6]:port}; an IP literal needs no lookup on the loop. */
  static InetSocketAddress parse(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
  }
}
