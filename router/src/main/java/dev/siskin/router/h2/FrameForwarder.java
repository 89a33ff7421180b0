package dev.siskin.router.h2;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.config.RoutingSettings;
import dev.siskin.router.observe.CallListener;
import dev.siskin.router.proxy.Resilience;
import dev.siskin.router.proxy.ShadowTraffic;
import dev.siskin.router.route.Route;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import dev.siskin.router.config.ClientLimits;
import dev.siskin.router.observe.ConnectionRefusal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's forwarding core: an h2c listener whose calls are passed to the backends as HTTP/2 frames, not as
 * gRPC messages. One event loop per core serves client and backend connections alike: a call's client connection
 * and backend connection share a loop, so its frames never change threads and its state needs no lock. It routes
 * by the router's {@link Route}, rewrites headers, passes DATA with end-to-end flow control, trailers and
 * Trailers-Only responses as they are, RST_STREAM both ways, answers refused and lost backends as UNAVAILABLE,
 * and reports one {@link CallListener} outcome per call. The default deadline is sent as grpc-timeout and
 * enforced, as is a client's; {@link #shutdown} drains with two GOAWAYs to every client; calls are retried before
 * response headers; calls the shadow rules select get a copy on the shadow backend ({@link ShadowCopy}); backend
 * connections are kept alive with PINGs; client connections are held to limits (see {@link FrontendHandler}).
 *
 * <p>Lifecycle: {@link #start}, then {@link #close}. Thread-safe.
 */
public final class FrameForwarder implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FrameForwarder.class);
  /** Per stream and per connection, both ways: grpc-java's default, a LAN's bandwidth-delay product many times. */
  static final int WINDOW_BYTES = 1 << 20;
  static final int MAX_CONCURRENT_STREAMS = 1000;
  /** The refusal reason of a connection over router.max-connections-per-client-address. */
  public static final String TOO_MANY_CONNECTIONS = "too_many_connections";
  /** Client connections open now per client address, when they are limited. */
  private final Map<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();

  private final EventLoopGroup group;
  private final Class<? extends ServerChannel> serverType;
  private final Class<? extends Channel> clientType;
  private final Map<EventLoop, LoopBackends> backends = new ConcurrentHashMap<>();
  private final Route route;
  private final Supplier<RoutingSettings> routing;
  private final CallListener listener;
  private final Supplier<java.time.Duration> defaultDeadline;
  private final Resilience resilience;
  private final ShadowTraffic shadows;
  private final BackendLinks links;
  private Channel server;
  /** The plaintext listener beside a TLS one, or null. */
  private Channel plaintext;
  private int port;
  private boolean closed;
  /** The client connections open now (a channel leaves the group when it closes). */
  private final io.netty.channel.group.ChannelGroup clients =
      new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);

  /**
   * @param route    chooses and admits each call's backend
   * @param routing  the force and sticky header names in force
   * @param listener gets every call's start and outcome; called on event loops, must not block
   * @param defaultDeadline given (and enforced) to calls that arrive without a deadline; zero = none
   * @param resilience where attempts are reported (outlier detection) and retries budgeted; null: no retries
   */
  public FrameForwarder(Route route, Supplier<RoutingSettings> routing, CallListener listener,
      Supplier<java.time.Duration> defaultDeadline, Resilience resilience, int loops, int connectTimeoutMillis) {
    this(route, routing, listener, defaultDeadline, resilience, null, loops, connectTimeoutMillis,
        java.time.Duration.ZERO, java.time.Duration.ZERO);
  }

  /**
   * @param shadows          shadow copies and the canary analysis' answers; null: none
   * @param keepaliveTime    a backend connection with calls that read nothing this long is pinged; zero: never
   * @param keepaliveTimeout how long that ping may go unanswered before the connection is dropped
   */
  public FrameForwarder(Route route, Supplier<RoutingSettings> routing, CallListener listener,
      Supplier<java.time.Duration> defaultDeadline, Resilience resilience, ShadowTraffic shadows, int loops,
      int connectTimeoutMillis, java.time.Duration keepaliveTime, java.time.Duration keepaliveTimeout) {
    this.resilience = resilience;
    this.shadows = shadows;
    this.defaultDeadline = requireNonNull(defaultDeadline, "defaultDeadline");
    this.route = requireNonNull(route, "route");
    this.routing = requireNonNull(routing, "routing");
    this.listener = requireNonNull(listener, "listener");
    this.links = new BackendLinks(connectTimeoutMillis, keepaliveTime, keepaliveTimeout);
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.group = new MultiThreadIoEventLoopGroup(loops, io);
    this.serverType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    this.clientType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  /** Binds {@code address} (port 0: any free port) and serves plaintext h2c. */
  public FrameForwarder start(InetSocketAddress address) throws InterruptedException {
    return start(address, null);
  }

  /**
   * Binds {@code address} (port 0: any free port) and serves, over TLS when {@code tls} is not null (every
   * connection's handshake first; see {@link TlsNegotiation}), else plaintext h2c.
   */
  public FrameForwarder start(InetSocketAddress address, ListenerTls tls) throws InterruptedException {
    return start(address, tls, new ClientLimits(java.time.Duration.ZERO, 0));
  }

  /** As above, holding client connections to {@code limits} (idle timeout, connections per address). */
  public synchronized FrameForwarder start(InetSocketAddress address, ListenerTls tls, ClientLimits limits)
      throws InterruptedException {
    server = bind(address, tls, limits);
    port = ((InetSocketAddress) server.localAddress()).getPort();
    return this;
  }

  /**
   * Also serves plaintext h2c on {@code address}, beside a TLS listener ({@code router.plaintext-listen}: local
   * callers, probes), with the same limits; after {@link #start}. Returns the port bound.
   */
  public synchronized int alsoListenPlaintext(InetSocketAddress address, ClientLimits limits)
      throws InterruptedException {
    plaintext = bind(address, null, limits);
    return ((InetSocketAddress) plaintext.localAddress()).getPort();
  }

  private Channel bind(InetSocketAddress address, ListenerTls tls, ClientLimits limits) throws InterruptedException {
    Channel bound = new ServerBootstrap().group(group).channel(serverType)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (!admitted(ch, limits.maxConnectionsPerAddress())) {
              return;
            }
            if (!limits.idleTimeout().isZero()) {
              ch.pipeline().addLast(new IdleStateHandler(0, 0, limits.idleTimeout().toNanos(), TimeUnit.NANOSECONDS));
            }
            LoopBackends loop = backends.computeIfAbsent(ch.eventLoop(),
                l -> new LoopBackends(l, clientType, WINDOW_BYTES, links));
            clients.add(ch);
            Supplier<ChannelHandler> http2 = () -> FrontendHandler.create(route, routing, listener, loop,
                defaultDeadline, resilience, shadows, WINDOW_BYTES, MAX_CONCURRENT_STREAMS);
            if (tls == null) {
              ch.pipeline().addLast(http2.get());
            } else {
              ch.pipeline().addLast(tls.context().newHandler(ch.alloc()), new TlsNegotiation(http2, listener));
            }
            if (!limits.idleTimeout().isZero()) {
              ch.pipeline().addLast(new IdleClientCloser());
            }
          }
        })
        .bind(address).sync().channel();
    log.info("frame forwarding core listening on {} ({}, {})", bound.localAddress(), serverType.getSimpleName(),
        tls == null ? "h2c" : tls.describe());
    return bound;
  }

  /**
   * Counts {@code ch} on its client's address; past {@code max} (0: no limit) it is refused, reported and closed.
   * The count goes down when the connection closes.
   */
  private boolean admitted(SocketChannel ch, int max) {
    if (max == 0) {
      return true;
    }
    InetAddress client = ch.remoteAddress().getAddress();
    int now = perAddress.computeIfAbsent(client, a -> new AtomicInteger()).incrementAndGet();
    ch.closeFuture().addListener(f -> perAddress.computeIfPresent(client,
        (a, n) -> n.decrementAndGet() == 0 ? null : n));
    if (now <= max) {
      return true;
    }
    listener.onConnectionRefused(new ConnectionRefusal(java.time.Instant.now(), String.valueOf(ch.remoteAddress()),
        TOO_MANY_CONNECTIONS, now - 1 + " connections from " + client.getHostAddress() + " already "
        + "(router.max-connections-per-client-address = " + max + ")"));
    ch.close();
    return false;
  }

  /** The port bound at start (also after a shutdown). */
  public synchronized int port() {
    return port;
  }

  /**
   * Drains: stops accepting connections, sends every client connection a GOAWAY (clients open new connections
   * elsewhere; the calls already on it go on), waits up to {@code grace} for those calls to end, then closes what
   * is left and the backend connections.
   *
   * @return whether every call ended within the grace
   */
  public boolean shutdown(java.time.Duration grace) throws InterruptedException {
    synchronized (this) {
      if (closed) {
        return true;
      }
      if (plaintext != null) {
        plaintext.close().syncUninterruptibly();
      }
      if (server != null) {
        server.close().syncUninterruptibly();
      }
    }
    io.netty.channel.group.ChannelGroupFuture allClosed = clients.newCloseFuture(); // no new ones: not accepting
    for (Channel ch : clients) {
      ch.eventLoop().execute(() -> drain(ch, grace));
    }
    boolean drained = allClosed.await(grace.toMillis() + 1000);
    close();
    return drained;
  }

  /**
   * Drains one client connection, on its loop ({@link FrontendHandler#drain}: two GOAWAYs with a PING between,
   * then the connection closes when its last stream ends, or after {@code grace}). Package-private for the frame
   * tests.
   */
  static void drain(Channel ch, java.time.Duration grace) {
    FrontendHandler handler = ch.pipeline().get(FrontendHandler.class);
    if (handler != null) {
      handler.drain(grace.toMillis());
    } else {
      ch.close(); // still in its TLS handshake: no call on it yet
    }
  }

  /** Stops at once: calls in flight are cut. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (plaintext != null) {
      plaintext.close().syncUninterruptibly();
    }
    if (server != null) {
      server.close().syncUninterruptibly();
    }
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
