package dev.siskin.router.h2;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.config.RoutingSettings;
import dev.siskin.router.observe.CallListener;
import dev.siskin.router.proxy.Resilience;
import dev.siskin.router.proxy.RouterErrors;
import dev.siskin.router.proxy.ShadowTraffic;
import dev.siskin.router.route.Route;
import dev.siskin.router.route.Selection;
import io.grpc.Metadata;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2EventAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One client connection to the frame core. On a call's HEADERS it routes the call (the router's {@link Route}:
 * force header, sticky key, weights), opens a stream on a backend connection of this same event loop and passes
 * the request's frames there; the backend's frames come back through the call's {@link ProxiedCall}.
 *
 * <p>Event-loop confined: every method runs on the connection's loop.
 */
final class FrontendHandler extends ForwardingHandler {
  /** Connection-specific headers that are never forwarded (RFC 9113, 8.2.2); {@code te: trailers} is kept. */
  private static final Set<String> HOP_BY_HOP =
      Set.of("connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host");

  /*
   * What one client connection may make the router do; past these Netty answers for the router (a stream error,
   * or GOAWAY and close for the connection) and the other connections never notice. Calls at once: the
   * MAX_CONCURRENT_STREAMS the core advertises. Request headers: 8 KiB, as grpc-java's server allows (a larger
   * block is refused with HTTP 431 before any routing). RST_STREAM: the rapid-reset attack (CVE-2023-44487) opens
   * and resets streams by the hundred thousand a second; an honest client that cancels or times out some of its
   * calls resets far fewer than 100 a second, so 1,000 in 10 s closes the first and spares the second (Netty's own
   * default, 200 in 30 s, would cut a busy client whose 1 % of calls time out). Control frames: a client that sends
   * PINGs or SETTINGS without reading the answers is cut off once 10,000 of them queue.
   */
  static final long MAX_HEADER_LIST_BYTES = 8192;
  static final int MAX_RESETS_PER_WINDOW = 1000;
  static final int RESET_WINDOW_SECONDS = 10;
  static final int MAX_QUEUED_CONTROL_FRAMES = 10_000;

  private final Route route;
  private final Supplier<RoutingSettings> routing;
  private final CallListener listener;
  private final LoopBackends backends;
  private final Supplier<java.time.Duration> defaultDeadline;
  private final Resilience resilience;
  private final ShadowTraffic shadows;
  private final IntObjectMap<ProxiedCall> calls = new IntObjectHashMap<>();
  private String peer = "";
  /** The keys of the rules last seen; loop-confined like the handler. */
  private RuleKeys keys;

  private FrontendHandler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings,
      Route route, Supplier<RoutingSettings> routing, CallListener listener, LoopBackends backends,
      Supplier<java.time.Duration> defaultDeadline, Resilience resilience, ShadowTraffic shadows) {
    super(decoder, encoder, settings);
    this.shadows = shadows;
    this.defaultDeadline = defaultDeadline;
    this.resilience = resilience;
    this.route = route;
    this.routing = routing;
    this.listener = listener;
    this.backends = backends;
    connection().addListener(new Http2ConnectionAdapter() {
      @Override
      public void onStreamClosed(Http2Stream stream) {
        ProxiedCall call = calls.remove(stream.id());
        if (call != null) {
          call.clientReset(); // closed before the call ended: the client reset it, or the connection went
        }
      }
    });
  }

  /**
   * @param defaultDeadline given (and enforced) to calls that arrive without a deadline; zero = none
   * @param shadows         shadow copies and the canary analysis' answers; null: none
   */
  static FrontendHandler create(Route route, Supplier<RoutingSettings> routing, CallListener listener,
      LoopBackends backends, Supplier<java.time.Duration> defaultDeadline, Resilience resilience,
      ShadowTraffic shadows, int windowBytes, int maxConcurrentStreams) {
    return new Builder(route, routing, listener, backends, defaultDeadline, resilience, shadows, windowBytes,
        maxConcurrentStreams).build();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    // Here, not in channelActive: behind TLS the handler joins an active connection once the handshake is done.
    peer = String.valueOf(ctx.channel().remoteAddress());
    super.handlerAdded(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    List<ProxiedCall> open = new ArrayList<>(calls.values());
    calls.clear();
    for (ProxiedCall call : open) {
      call.clientLost();
    }
    super.channelInactive(ctx);
  }

  // ------------------------------------------------------------------------------------------- drain

  /** The payload of the drain's PING ("siskinDR"), to tell its ACK from others'. */
  private static final long DRAIN_PING = 0x7369736b696e4452L;
  /** How long a drain waits for the ACK of its PING before it sends the final GOAWAY (as grpc-java's server). */
  private static final long DRAIN_ACK_WAIT_MILLIS = 10_000;
  /** Sends the final GOAWAY and closes the drained connection, once; null until a drain started. */
  private Runnable drainClose;

  /**
   * Drains the connection in two steps, as RFC 9113 (6.8) advises and grpc-java's server does. First a GOAWAY
   * with the largest stream id, so the client opens no new stream here but every stream it already sent is
   * still taken and served, and a PING behind it. Its ACK shows the client has read that GOAWAY: then a second
   * GOAWAY names the last stream really opened, and the connection closes -- gracefully, once its calls ended,
   * or when {@code graceMillis} from the start of the drain have passed. Without the ACK the second step runs
   * after {@link #DRAIN_ACK_WAIT_MILLIS}, or the grace if shorter.
   *
   * <p>Why not one GOAWAY with the last stream id: a stream the client sent before reading it arrives after
   * it. Netty refuses its HEADERS (a stream above the GOAWAY's id is never created) and then takes its DATA
   * for a stream that cannot exist: a connection error that closed the connection at once and cut every call
   * still running on it (seen under load as "Connection closed after GOAWAY" in grpc-java clients).
   */
  void drain(long graceMillis) {
    if (drainClose != null || connection().goAwaySent()) {
      return;
    }
    goAway(Integer.MAX_VALUE);
    encoder().writePing(ctx, false, DRAIN_PING, ctx.newPromise());
    flush(ctx);
    long graceEnds = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
    ScheduledFuture<?> fallback = ctx.executor().schedule(this::closeDrained,
        Math.min(DRAIN_ACK_WAIT_MILLIS, graceMillis), TimeUnit.MILLISECONDS);
    drainClose = () -> {
      fallback.cancel(false);
      goAway(connection().remote().lastStreamCreated());
      gracefulShutdownTimeoutMillis(Math.max(0, TimeUnit.NANOSECONDS.toMillis(graceEnds - System.nanoTime())));
      ctx.channel().close(); // through the pipeline: Netty's graceful close flushes, then waits for the calls
    };
  }

  private void goAway(int lastStreamId) {
    goAway(ctx, lastStreamId, Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER, ctx.newPromise());
  }

  private void closeDrained() {
    Runnable close = drainClose;
    if (close != null) {
      drainClose = () -> {};
      close.run();
    }
  }

  // ------------------------------------------------------------------------------------------- for the calls

  void reset(int streamId, long errorCode) {
    calls.remove(streamId);
    resetStream(ctx, streamId, errorCode, ctx.newPromise());
    FlushBatch.soon(ctx.channel());
  }

  /** The call on {@code streamId} has ended (its last frame is written). */
  void ended(int streamId) {
    calls.remove(streamId);
  }

  // ------------------------------------------------------------------------------------------- a new call

  private void newCall(int streamId, Http2Headers headers, boolean endStream) {
    CharSequence path = headers.path();
    String method = path == null ? "" : path.length() > 0 && path.charAt(0) == '/'
        ? path.subSequence(1, path.length()).toString() : path.toString();
    ProxiedCall call = new ProxiedCall(this, streamId, method, peer, listener, resilience, shadows);
    calls.put(streamId, call);
    RuleKeys rules = ruleKeys(routing.get());
    Metadata routed = routingHeaders(headers, rules);
    Selection selection = route.select(method, routed, List.of());
    if (selection.refusal() != Selection.Refusal.NONE) {
      call.refused(selection, RouterErrors.refused(selection, method));
      return;
    }
    Backend backend = selection.backend();
    BackendConnection conn = backends.connectionFor(backend);
    if (conn == null) {
      backend.release();
      call.refused(selection, Status.UNAVAILABLE.withDescription(RouterErrors.PREFIX + "backend " + backend.name()
          + " has no address to connect to yet"));
      return;
    }
    // One lookup of the client's grpc-timeout and of the default deadline per call.
    CharSequence timeout = headers.get(GrpcTimeout.HEADER);
    java.time.Duration fallback = timeout == null ? defaultDeadline.get() : null;
    long deadline = timeout != null ? GrpcTimeout.parseNanos(timeout) : sendDefaultDeadline(headers, fallback);
    call.routed(selection, conn, forwarded(headers, rules, routed), endStream, routed, deadline,
        deadline >= 0 && fallback != null ? fallback : null);
  }

  /**
   * A call that came without a deadline gets {@code d} (router.default-deadline), sent on as its grpc-timeout;
   * -1 when that is zero (no deadline). A client's grpc-timeout that does not parse passes as it is.
   */
  private static long sendDefaultDeadline(Http2Headers headers, java.time.Duration d) {
    if (d.isZero()) {
      return -1;
    }
    headers.set(GrpcTimeout.HEADER, GrpcTimeout.format(d.toNanos()));
    return d.toNanos();
  }

  /** The routing step again, for a retry: another backend than those {@code tried} where there is one. */
  Selection reselect(ProxiedCall call, java.util.Collection<Backend> tried) {
    return route.select(call.method(), call.routingHeaders(), tried);
  }

  /** A connection on this loop for {@code backend}, or null when it has no address. */
  BackendConnection connectionFor(Backend backend) {
    return backends.connectionFor(backend);
  }

  /** As {@link #connectionFor(Backend)}, to another address than {@code avoid} where the backend has another. */
  BackendConnection connectionFor(Backend backend, java.net.InetSocketAddress avoid) {
    return backends.connectionFor(backend, avoid);
  }

  /**
   * The metadata keys of the routing rules in force, made once per config rather than per call (a key checks its
   * name when made). Null for a rule that is off.
   */
  private record RuleKeys(RoutingSettings rules, Metadata.Key<String> force, Metadata.Key<String> sticky) {
    static RuleKeys of(RoutingSettings rules) {
      return new RuleKeys(rules, key(rules.forceHeader()), key(rules.stickyHeader()));
    }

    private static Metadata.Key<String> key(String name) {
      return name.isEmpty() ? null : Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    }
  }

  private RuleKeys ruleKeys(RoutingSettings rules) {
    if (keys == null || keys.rules() != rules) {
      keys = RuleKeys.of(rules);
    }
    return keys;
  }

  /** The two headers the routing rules read (the only ones worth a Metadata copy). */
  private static Metadata routingHeaders(Http2Headers headers, RuleKeys keys) {
    Metadata m = new Metadata();
    copy(headers, keys.force(), m);
    copy(headers, keys.sticky(), m);
    return m;
  }

  private static void copy(Http2Headers headers, Metadata.Key<String> key, Metadata into) {
    if (key == null) {
      return;
    }
    CharSequence value = headers.get(key.name());
    if (value != null) {
      into.put(key, value.toString());
    }
  }

  /** The request headers for the backend: the hop-by-hop ones out, and the force header if the route took it. */
  private static Http2Headers forwarded(Http2Headers headers, RuleKeys keys, Metadata routed) {
    for (String name : HOP_BY_HOP) {
      headers.remove(name);
    }
    if (keys.force() != null && headers.contains(keys.force().name()) && !routed.containsKey(keys.force())) {
      headers.remove(keys.force().name()); // the route consumed it: it was meant for the router alone
    }
    return headers;
  }

  /** What the client sends: each frame goes to its call. */
  private final class Listener extends FrameListener {
    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
        boolean endOfStream) {
      ProxiedCall call = calls.get(streamId);
      if (call == null) {
        newCall(streamId, headers, endOfStream);
      }
      // Request trailers are not part of gRPC; a second HEADERS on a call is ignored.
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
      ProxiedCall call = calls.get(streamId);
      if (call == null) {
        return data.readableBytes() + padding;
      }
      call.requestData(data, endOfStream);
      return padding; // the data's window opens once the backend connection has written it (consumed)
    }

    @Override
    public void onPingAckRead(ChannelHandlerContext ctx, long data) {
      if (data == DRAIN_PING) {
        closeDrained();
      }
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
      ProxiedCall call = calls.remove(streamId);
      if (call != null) {
        call.clientReset();
      }
    }
  }

  private static final class Builder extends AbstractHttp2ConnectionHandlerBuilder<FrontendHandler, Builder> {
    private final Route route;
    private final Supplier<RoutingSettings> routing;
    private final CallListener listener;
    private final LoopBackends backends;
    private final Supplier<java.time.Duration> defaultDeadline;
    private final Resilience resilience;
    private final ShadowTraffic shadows;

    Builder(Route route, Supplier<RoutingSettings> routing, CallListener listener, LoopBackends backends,
        Supplier<java.time.Duration> defaultDeadline, Resilience resilience, ShadowTraffic shadows, int windowBytes,
        int maxConcurrentStreams) {
      this.shadows = shadows;
      this.defaultDeadline = defaultDeadline;
      this.resilience = resilience;
      this.route = route;
      this.routing = routing;
      this.listener = listener;
      this.backends = backends;
      connection(ForwardingHandler.connection(true));
      initialSettings(Http2Settings.defaultSettings().initialWindowSize(windowBytes)
          .maxConcurrentStreams(maxConcurrentStreams).maxHeaderListSize(MAX_HEADER_LIST_BYTES));
      decoderEnforceMaxRstFramesPerWindow(MAX_RESETS_PER_WINDOW, RESET_WINDOW_SECONDS);
      encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES);
      frameListener(new Http2EventAdapter()); // replaced in build(): the listener needs the handler
    }

    @Override
    protected FrontendHandler build() {
      return super.build();
    }

    @Override
    protected FrontendHandler build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
        Http2Settings initialSettings) {
      FrontendHandler handler = new FrontendHandler(decoder, encoder, initialSettings, route, routing, listener,
          backends, defaultDeadline, resilience, shadows);
      decoder.frameListener(handler.new Listener());
      return handler;
    }
  }
}
