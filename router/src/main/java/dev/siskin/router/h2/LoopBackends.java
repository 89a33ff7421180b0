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
  private final EventLoop loop;
  private final Class<? extends Channel> channelType;
  private final int windowBytes;
  private final BackendLinks links;
  private final Map<InetSocketAddress, BackendConnection> connections = new HashMap<>();
  private final Map<String, Integer> next = new HashMap<>();
  /**
   * Each backend's addresses as last read: reading them builds snapshots of every address's counters, too much
   * for every call, so they are read again at most every {@link #ADDRESSES_TTL_NANOS}. By identity: a backend
   * re-targeted by a reload is a new object.
   */
  private final Map<Backend, Addresses> addresses = new java.util.IdentityHashMap<>();
  private static final long ADDRESSES_TTL_NANOS = 200_000_000L;

  private record Addresses(List<Endpoint> list, long readAt) {}

  /** An address to connect to, and its name in the backend's endpoint counters ({@code host:port}). */
  private record Endpoint(InetSocketAddress address, String name) {
    static Endpoint of(String hostPort) {
      return new Endpoint(parse(hostPort), hostPort);
    }
  }

  LoopBackends(EventLoop loop, Class<? extends Channel> channelType, int windowBytes, BackendLinks links) {
    this.loop = loop;
    this.channelType = channelType;
    this.windowBytes = windowBytes;
    this.links = links;
  }

  /** A connection for the backend's next address, or null when it has none. */
  BackendConnection connectionFor(Backend backend) {
    List<Endpoint> addresses = cachedAddresses(backend);
    if (addresses.isEmpty()) {
      return null;
    }
    int i = Math.floorMod(next.merge(backend.name(), 1, Integer::sum), addresses.size());
    Endpoint endpoint = addresses.get(i);
    BackendConnection conn = connections.get(endpoint.address());
    if (conn == null || !conn.usable()) {
      conn = connect(endpoint);
    }
    return conn;
  }

  private BackendConnection connect(Endpoint endpoint) {
    InetSocketAddress address = endpoint.address();
    BackendConnection[] self = new BackendConnection[1];
    BackendConnection conn = BackendConnection.create(address, endpoint.name(), windowBytes, links, () -> {
      if (connections.get(address) == self[0]) {
        connections.remove(address);
      }
    });
    self[0] = conn;
    connections.put(address, conn);
    ChannelFuture f = new Bootstrap().group(loop).channel(channelType)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, links.connectTimeoutMillis())
        .handler(conn)
        .connect(address);
    f.addListener(done -> {
      if (!done.isSuccess()) {
        conn.connectFailed(done.cause());
      }
    });
    return conn;
  }

  private List<Endpoint> cachedAddresses(Backend backend) {
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

  private static List<Endpoint> addresses(Backend backend) {
    List<Endpoint> healthy = new ArrayList<>();
    for (EndpointSnapshot e : backend.endpoints()) {
      if (e.healthy() && !e.removed()) {
        healthy.add(Endpoint.of(e.address()));
      }
    }
    if (!healthy.isEmpty()) {
      return healthy;
    }
    List<Endpoint> resolved = new ArrayList<>();
    for (String a : backend.resolvedAddresses()) {
      resolved.add(Endpoint.of(a));
    }
    if (!resolved.isEmpty()) {
      return resolved;
    }
    String target = backend.target();
    return target.startsWith("dns:") ? List.of() : List.of(Endpoint.of(target));
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
