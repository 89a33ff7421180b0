package dev.siskin.router.h2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.cluster.ResolvedAddressBook;
import dev.siskin.router.config.FailureSettings;
import dev.siskin.router.config.RoutingSettings;
import dev.siskin.router.observe.RouteCause;
import dev.siskin.router.proxy.CallsInFlight;
import dev.siskin.router.proxy.Resilience;
import dev.siskin.router.proxy.RetryBudget;
import dev.siskin.router.proxy.RetryStats;
import dev.siskin.router.route.Route;
import dev.siskin.router.route.Selection;
import dev.siskin.router.testing.RecordingListener;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The frame core with no sockets: one client connection ({@link FrontendHandler} in an {@link EmbeddedChannel})
 * and every backend connection it opens ({@link BackendConnection}s, also EmbeddedChannels, made through
 * {@link LoopBackends.Connector}), each with a {@link RawPeer} on the other end. EmbeddedChannels run their
 * tasks on the calling thread, so the test's thread is the one loop the core assumes; {@link #pump} moves bytes
 * and runs tasks until everything is quiet.
 *
 * <p>The route sends a call to the first of the backends (in the order given) it has not tried yet. Backend
 * {@code vN} is at 127.0.0.1:N; every router channel allocates from one counting allocator, so
 * {@link #assertNothingHeld} can tell that the router gave back every buffer it allocated.
 *
 * <p>Not thread-safe: one test thread.
 */
final class FrameHarness implements AutoCloseable {
  static final String CALL = "x-test-call";
  static final String METHOD = "/test.Service/Call";

  /** Every router-side buffer comes from here: its counters say what is still held. */
  final UnpooledByteBufAllocator routerAlloc = new UnpooledByteBufAllocator(false);
  /** The peers' copies handed to the router (see {@link RawPeer#handedOver}). */
  private final UnpooledByteBufAllocator peerAlloc = new UnpooledByteBufAllocator(false);
  final RecordingListener outcomes = new RecordingListener();
  private final ManagedChannel unused = InProcessChannelBuilder.forName("frame-harness-never-called").build();
  final Map<String, Backend> backends = new LinkedHashMap<>();
  /** Every connection the router opened to a backend, in order. */
  final List<BackendLink> links = new ArrayList<>();
  final EmbeddedChannel front;
  final FrontendHandler frontHandler;
  final RawPeer client;
  final Resilience resilience;
  private final Http2Settings backendSettings;
  /** When set, a connect to an address it maps to a failure fails (null: connects). */
  Function<InetSocketAddress, Throwable> connectFailure = a -> null;
  private final List<RawPeer> closedPeers = new ArrayList<>();

  /** One router-to-backend connection and the test's backend at its other end. */
  record BackendLink(String backend, EmbeddedChannel channel, BackendConnection handler, RawPeer peer) {
    Http2Connection connection() {
      return handler.connection();
    }
  }

  /** Options of a harness; {@code retries} are the failure settings the router retries by (null: no retries). */
  record Options(List<String> backendNames, FailureSettings retries, Http2Settings clientSettings,
      Http2Settings backendSettings) {
    static Options defaults() {
      return new Options(List.of("v1"), null, Http2Settings.defaultSettings(), Http2Settings.defaultSettings());
    }

    Options backends(String... names) {
      return new Options(List.of(names), retries, clientSettings, backendSettings);
    }

    /** With the router's retries (reference.conf's settings), so a refused call goes to the next backend. */
    Options withRetries() {
      return withRetries(FailureSettings.defaults().retry());
    }

    /** With retries by {@code retry} (reference.conf's other failure settings). */
    Options withRetries(FailureSettings.Retry retry) {
      FailureSettings d = FailureSettings.defaults();
      return new Options(backendNames, new FailureSettings(d.healthCheck(), d.outlier(), retry, d.limits()),
          clientSettings, backendSettings);
    }

    Options client(Http2Settings s) {
      return new Options(backendNames, retries, s, backendSettings);
    }

    Options backend(Http2Settings s) {
      return new Options(backendNames, retries, clientSettings, s);
    }
  }

  FrameHarness() {
    this(Options.defaults());
  }

  FrameHarness(Options options) {
    int port = 1;
    for (String name : options.backendNames()) {
      backends.put(name, new Backend(name, "127.0.0.1:" + port++, unused, new ResolvedAddressBook()));
    }
    backendSettings = options.backendSettings();
    FailureSettings failure = options.retries();
    resilience = failure != null ? new Resilience(() -> failure, (b, code) -> {}, new RetryBudget(),
        new RetryStats(), new CallsInFlight()) : null;
    Route route = (method, headers, tried) -> {
      for (Backend b : backends.values()) {
        if (!tried.contains(b) && b.tryAcquire()) {
          return new Selection(b, Selection.Refusal.NONE, false, RouteCause.WEIGHT, 1.0, null);
        }
      }
      return new Selection(null, Selection.Refusal.NO_BACKEND, false, RouteCause.WEIGHT, 0.0, null);
    };
    LoopBackends loop = new LoopBackends(this::connect, FrameForwarder.WINDOW_BYTES);
    frontHandler = FrontendHandler.create(route, () -> new RoutingSettings("", "", ""), outcomes, loop,
        () -> Duration.ZERO, resilience, null, FrameForwarder.WINDOW_BYTES, FrameForwarder.MAX_CONCURRENT_STREAMS);
    front = routerChannel(frontHandler);
    client = new RawPeer("client", front, true, options.clientSettings(), peerAlloc);
    pump();
  }

  /** A router channel whose every buffer comes from {@link #routerAlloc}; registered (active) last. */
  private EmbeddedChannel routerChannel(ChannelHandler handler) {
    EmbeddedChannel ch = new LoopChannel(handler);
    ch.config().setAllocator(routerAlloc);
    try {
      ch.register();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return ch;
  }

  /**
   * An EmbeddedChannel that runs its tasks only when the harness says ({@link #pump}), as an event loop runs them
   * only between reads. A plain EmbeddedChannel also runs them inside any write that reaches it from another
   * channel's handler -- e.g. a FlushBatch flush between the two buffers of one HEADERS frame, which puts other
   * frames between a frame's header and its payload -- something no event loop does.
   */
  private static final class LoopChannel extends EmbeddedChannel {
    /** The channel's own Unsafe, without EmbeddedChannel's wrapper that runs tasks after every operation. */
    private AbstractUnsafe direct;

    LoopChannel(ChannelHandler handler) {
      super(EmbeddedChannel.builder().register(false).handlers(handler));
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
      AbstractUnsafe u = super.newUnsafe(); // runs in the super constructor: no field initialiser may reset it
      direct = u;
      return u;
    }

    @Override
    public Unsafe unsafe() {
      return direct != null ? direct : super.unsafe();
    }
  }

  private ChannelFuture connect(InetSocketAddress address, BackendConnection handler,
      dev.siskin.router.cluster.BackendTls tls) {
    Throwable failure = connectFailure.apply(address);
    if (failure != null) {
      EmbeddedChannel never = new EmbeddedChannel();
      return never.newFailedFuture(failure);
    }
    String name = backends.values().stream().filter(b -> b.target().endsWith(":" + address.getPort()))
        .findFirst().orElseThrow().name();
    EmbeddedChannel ch = routerChannel(handler);
    links.add(new BackendLink(name, ch, handler, new RawPeer(name + "#" + links.size(), ch, false,
        backendSettings, peerAlloc)));
    return ch.newSucceededFuture();
  }

  // ------------------------------------------------------------------------------------------- driving

  /** Runs every channel's tasks and passes bytes both ways until nothing moves. */
  void pump() {
    for (int round = 0; round < 100_000; round++) {
      boolean moved = false;
      front.runPendingTasks();
      for (int i = 0; i < links.size(); i++) {
        links.get(i).channel().runPendingTasks();
      }
      moved |= exchange(client);
      for (int i = 0; i < links.size(); i++) {
        moved |= exchange(links.get(i).peer());
      }
      boolean tasks = front.hasPendingTasks() || links.stream().anyMatch(l -> l.channel().hasPendingTasks());
      if (!moved && !tasks) {
        return;
      }
    }
    throw new AssertionError("the router and the test's peers did not settle");
  }

  private static boolean exchange(RawPeer peer) {
    try {
      return peer.receive() | peer.transmit();
    } catch (io.netty.handler.codec.http2.Http2Exception e) {
      throw new AssertionError("the router wrote bytes to " + peer + " that are not HTTP/2", e);
    }
  }

  /** The last connection the router opened to {@code backend}. */
  BackendLink link(String backend) {
    for (int i = links.size() - 1; i >= 0; i--) {
      if (links.get(i).backend().equals(backend)) {
        return links.get(i);
      }
    }
    throw new AssertionError("no connection to " + backend + " was opened");
  }

  /**
   * The last connection to {@code backend} is gone at once, as when the backend's process dies: closed under the
   * router's HTTP/2 handler, which would otherwise send GOAWAY and wait for the streams.
   */
  void dropConnection(String backend) {
    EmbeddedChannel channel = link(backend).channel();
    channel.unsafe().close(channel.voidPromise());
    pump();
  }

  RawPeer backend(String name) {
    return link(name).peer();
  }

  /** Opens call {@code call} on client stream {@code streamId}, its request HEADERS with {@code extra}. */
  void open(int streamId, String call, Http2Headers extra, boolean endStream) {
    Http2Headers h = request(call);
    if (extra != null) {
      extra.forEach(e -> h.add(e.getKey(), e.getValue()));
    }
    client.headers(streamId, h, endStream);
    pump();
  }

  void open(int streamId, String call) {
    open(streamId, call, null, false);
  }

  static Http2Headers request(String call) {
    return new DefaultHttp2Headers().method("POST").scheme("http").path(METHOD).authority("router")
        .set("content-type", "application/grpc").set("te", "trailers").set(CALL, call);
  }

  static Http2Headers responseHeaders() {
    return new DefaultHttp2Headers().status("200").set("content-type", "application/grpc");
  }

  static Http2Headers trailers(io.grpc.Status.Code code) {
    return new DefaultHttp2Headers().setInt(GrpcStatuses.GRPC_STATUS, code.value());
  }

  static Http2Headers trailersOnly(io.grpc.Status.Code code, String message) {
    return responseHeaders().setInt(GrpcStatuses.GRPC_STATUS, code.value()).set(GrpcStatuses.GRPC_MESSAGE, message);
  }

  /** The backend's Trailers-Only OK for {@code call} on {@code peer}, and a pump. */
  void answer(RawPeer peer, String call) {
    peer.headers(peer.streamWith(CALL, call), trailersOnly(io.grpc.Status.Code.OK, ""), true);
    pump();
  }

  /** {@code n} bytes of a seeded random sequence. */
  static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }

  /** The status of the client's call on {@code streamId}: from its last HEADERS, or null if none ended it. */
  io.grpc.Status.Code clientStatus(int streamId) {
    List<RawPeer.Frame> headers = client.frames(streamId, RawPeer.Kind.HEADERS);
    if (headers.isEmpty() || !headers.get(headers.size() - 1).endStream()) {
      return null;
    }
    return GrpcStatuses.fromTrailers(headers.get(headers.size() - 1).headers());
  }

  // ------------------------------------------------------------------------------------------- checking

  /** Byte-exact, with a failure that says where (an assertion on two arrays prints both whole). */
  static void assertSameBytes(byte[] actual, byte[] expected, String what) {
    int differ = java.util.Arrays.mismatch(actual, expected);
    assertThat(differ).as("%s: %d bytes, %d expected, first difference at %d", what, actual.length,
        expected.length, differ).isEqualTo(-1);
  }

  /** Streams open on the client connection and on every backend connection still up. */
  int openStreams() {
    int n = frontHandler.connection().numActiveStreams();
    for (BackendLink l : links) {
      if (l.channel().isOpen()) {
        n += l.connection().numActiveStreams();
      }
    }
    return n;
  }

  /**
   * After the test's calls all ended: no stream open anywhere, every backend released, one outcome per call, and,
   * once every channel is closed, no router buffer held and every peer buffer released by the router.
   */
  void assertAllEnded(int calls) {
    pump();
    assertThat(openStreams()).as("streams left open").isZero();
    assertThat(outcomes.finished()).as("one outcome per call").hasSize(calls);
    for (Backend b : backends.values()) {
      assertThat(b.inFlight()).as("%s released", b.name()).isZero();
    }
  }

  /** Closes every channel and checks that no buffer is held: by the router, or of the peers' by the router. */
  void assertNothingHeld() {
    closeChannels();
    assertThat(routerAlloc.metric().usedHeapMemory() + routerAlloc.metric().usedDirectMemory())
        .as("bytes of router buffers not released").isZero();
    List<RawPeer> peers = new ArrayList<>(closedPeers);
    for (RawPeer p : peers) {
      for (ByteBuf b : p.handedOver) {
        assertThat(b.refCnt()).as("a buffer %s handed to the router, after the router's release", p).isEqualTo(1);
      }
    }
  }

  private boolean channelsClosed;

  private void closeChannels() {
    if (channelsClosed) {
      return;
    }
    channelsClosed = true;
    front.finishAndReleaseAll();
    for (BackendLink l : links) {
      l.channel().finishAndReleaseAll();
    }
    closedPeers.add(client);
    links.forEach(l -> closedPeers.add(l.peer()));
    for (RawPeer p : closedPeers) {
      p.close();
    }
  }

  @Override
  public void close() {
    closeChannels();
    for (RawPeer p : closedPeers) {
      for (ByteBuf b : p.handedOver) {
        if (b.refCnt() > 0) {
          b.release(b.refCnt());
        }
      }
      p.handedOver.clear();
    }
    unused.shutdownNow();
  }
}
