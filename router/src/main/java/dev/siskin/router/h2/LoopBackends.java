package dev.siskin.router.h2;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.observe.EndpointSnapshot;
import dev.siskin.router.cluster.BackendTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * The backend connections of one event loop: one per backend address, opened on first use, replaced once it
 * closes or stops taking calls. A backend's calls go round robin over its addresses that the backend's health
 * checks call healthy (the addresses its grpc-java health channel resolved), else over every address it
 * resolved, else to its target as written. An address this loop could not connect to is passed over for
 * {@link #CONNECT_FAILURE_BACKOFF} while the backend has another (as grpc's round robin skips a subchannel that is
 * not ready), and a retry is sent to another address than the attempt it replaces where there is one.
 *
 * <p>Event-loop confined: one instance per loop, used on that loop only.
 */
final class LoopBackends {
  /** How long an address that refused a connection is passed over, when the backend has another. */
  static final Duration CONNECT_FAILURE_BACKOFF = Duration.ofSeconds(1);

  private final Connector connector;
  /** Where a connect failure is reported: the loop (a failed future may complete on another thread), or inline. */
  private final Executor loop;
  private final int windowBytes;
  private final BackendLinks links;
  private final Map<InetSocketAddress, BackendConnection> connections = new HashMap<>();
  private final Map<String, Integer> next = new HashMap<>();
  /** When each address last failed to connect ({@link System#nanoTime}). */
  private final Map<InetSocketAddress, Long> connectFailedAt = new HashMap<>();
  /**
   * Each backend's addresses as last read, with the generation of its address book they were read at: reading
   * them builds snapshots of every address's counters, too much for every call, so they are read again only when
   * the book changed (an address added, removed, or changing health). By identity: a backend re-targeted by a
   * reload is a new object.
   */
  private final Map<Backend, Addresses> addresses = new java.util.IdentityHashMap<>();

  private record Addresses(List<Endpoint> list, long generation) {}

  /** An address to connect to, and its name in the backend's endpoint counters ({@code host:port}). */
  private record Endpoint(InetSocketAddress address, String name) {
    static Endpoint of(String hostPort) {
      return new Endpoint(parse(hostPort), hostPort);
    }
  }

  /**
   * How a connection to a backend address is made: a channel on the loop with {@code handler} as its pipeline
   * (behind TLS when {@code tls} is not null), connecting to {@code address}. A seam for the frame-level tests,
   * which give EmbeddedChannels instead of TCP connects so that client and backend connections run on the test's
   * thread as on one loop.
   */
  @FunctionalInterface
  interface Connector {
    /** @return completes when connected; a failure ends the calls waiting for the connection */
    ChannelFuture connect(InetSocketAddress address, BackendConnection handler, BackendTls tls);
  }

  LoopBackends(EventLoop loop, Class<? extends Channel> channelType, int windowBytes, BackendLinks links) {
    this((address, handler, tls) -> new Bootstrap().group(loop).channel(channelType)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, links.connectTimeoutMillis())
        .handler(tls == null ? handler : new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            // The server name: SNI, and the name the certificate must carry. Writes before the handshake (the
            // HTTP/2 preface) wait in the SslHandler.
            ch.pipeline().addLast(tls.nettyContext().newHandler(ch.alloc(), tls.serverName(), address.getPort()),
                handler);
          }
        })
        .connect(address), loop, windowBytes, links);
  }

  /** Package-private for tests: connections made by {@code connector} (see {@link Connector}), no keepalive. */
  LoopBackends(Connector connector, int windowBytes) {
    this(connector, Runnable::run, windowBytes, new BackendLinks(2000, Duration.ZERO, Duration.ZERO));
  }

  private LoopBackends(Connector connector, Executor loop, int windowBytes, BackendLinks links) {
    this.connector = connector;
    this.loop = loop;
    this.windowBytes = windowBytes;
    this.links = links;
  }

  /** A connection for the backend's next address, or null when it has none. */
  BackendConnection connectionFor(Backend backend) {
    return connectionFor(backend, null);
  }

  /**
   * A connection for the backend's next address, another than {@code avoid} (the address an attempt just failed
   * on; null: none) where the backend has another; null when it has no address.
   */
  BackendConnection connectionFor(Backend backend, InetSocketAddress avoid) {
    List<Endpoint> list = cachedAddresses(backend);
    if (list.isEmpty()) {
      return null;
    }
    int start = next.merge(backend.name(), 1, Integer::sum);
    Endpoint endpoint = list.get(Math.floorMod(start, list.size()));
    long now = System.nanoTime();
    for (int k = 0; k < list.size(); k++) {
      Endpoint candidate = list.get(Math.floorMod(start + k, list.size()));
      if (!candidate.address().equals(avoid) && !backingOff(candidate.address(), now)) {
        endpoint = candidate;
        break;
      }
    }
    BackendConnection conn = connections.get(endpoint.address());
    if (conn == null || !conn.usable()) {
      conn = connect(endpoint, backend.tls());
    }
    return conn;
  }

  private boolean backingOff(InetSocketAddress address, long now) {
    Long failedAt = connectFailedAt.get(address);
    if (failedAt == null) {
      return false;
    }
    if (now - failedAt < CONNECT_FAILURE_BACKOFF.toNanos()) {
      return true;
    }
    connectFailedAt.remove(address);
    return false;
  }

  private BackendConnection connect(Endpoint endpoint, BackendTls tls) {
    InetSocketAddress address = endpoint.address();
    BackendConnection[] self = new BackendConnection[1];
    BackendConnection conn = BackendConnection.create(address, endpoint.name(), windowBytes, links, () -> {
      if (connections.get(address) == self[0]) {
        connections.remove(address);
      }
    });
    self[0] = conn;
    connections.put(address, conn);
    ChannelFuture f = connector.connect(address, conn, tls);
    f.addListener(done -> {
      if (!done.isSuccess()) {
        // Later, on the loop: a future that failed at once (no channel could be made) completes here before the
        // caller has opened its call on the connection, and possibly on another thread.
        loop.execute(() -> {
          connectFailedAt.put(address, System.nanoTime());
          conn.connectFailed(done.cause());
        });
      }
    });
    return conn;
  }

  private List<Endpoint> cachedAddresses(Backend backend) {
    long generation = backend.addressGeneration();
    Addresses cached = addresses.get(backend);
    if (cached == null || cached.generation() != generation) {
      if (addresses.size() > 64) {
        addresses.clear(); // backends of old configs: they are read again if still in use
      }
      cached = new Addresses(addresses(backend), generation);
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
