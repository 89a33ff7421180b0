package dev.siskin.router.h2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
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
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/2 (h2c) connection from the router to one backend address, on one event loop: the loop of every
 * client connection whose calls it carries, so a call's frames never change threads. Opens a stream per call or
 * shadow copy ({@link #open}), passes DATA and RST both ways, and reports what the backend answers to the
 * {@link BackendStream} that opened it.
 *
 * <p>Above the backend's MAX_CONCURRENT_STREAMS new streams wait in Netty's stream-buffering encoder. After a
 * GOAWAY, or once the stream ids are half used, it takes no new calls ({@link #usable}) and closes when its last
 * stream ends; the streams the GOAWAY refused end as UNAVAILABLE, which the call retries elsewhere.
 *
 * <p>Event-loop confined: every method runs on the connection's loop.
 */
final class BackendConnection extends ForwardingHandler {
  /** Stream ids are 31 bits and odd; retire the connection long before they run out. */
  static final int RETIRE_AT_STREAM_ID = 1 << 30;
  /** The payload of the router's keepalive PINGs ("siskinKA"), to tell their ACKs from others'. */
  private static final long KEEPALIVE_PING = 0x7369736b696e4b41L;

  private final InetSocketAddress address;
  /** The address's name in its backend's endpoint counters ({@code host:port}). */
  private final String endpoint;
  private final Runnable closed;
  private final long keepaliveNanos;
  private final long keepaliveTimeoutNanos;
  /** When the connection last read anything (keepalive: a connection that reads is alive). */
  private long lastReadNanos = System.nanoTime();
  private ScheduledFuture<?> keepalive;
  /** The unanswered keepalive PING's deadline; null when none is out. */
  private ScheduledFuture<?> pingTimeout;
  private final IntObjectMap<BackendStream> calls = new IntObjectHashMap<>();
  /** Calls that arrived before the connection was up, in order. */
  private final List<BackendStream> waiting = new ArrayList<>();
  private boolean ready;
  private boolean goingAway;
  /** Why the connection is gone (it failed or closed), for a call that would still open on it; else null. */
  private String gone;

  private BackendConnection(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings,
      InetSocketAddress address, String endpoint, BackendLinks links, Runnable closed) {
    super(decoder, encoder, settings);
    this.keepaliveNanos = links.keepaliveTime().toNanos();
    this.keepaliveTimeoutNanos = links.keepaliveTimeout().toNanos();
    this.address = address;
    this.endpoint = endpoint;
    this.closed = closed;
    connection().addListener(new Http2ConnectionAdapter() {
      @Override
      public void onStreamClosed(Http2Stream stream) {
        BackendStream call = calls.remove(stream.id());
        if (call != null) {
          call.backendStreamClosed(BackendConnection.this, stream.id());
        }
        if (goingAway && calls.isEmpty() && BackendConnection.this.ctx != null) {
          BackendConnection.this.ctx.close();
        }
      }
    });
  }

  /**
   * A handler for a new connection to {@code address}, named {@code endpoint} in its backend's endpoint counters;
   * {@code closed} runs once when it is gone.
   */
  static BackendConnection create(InetSocketAddress address, String endpoint, int windowBytes, BackendLinks links,
      Runnable closed) {
    return new Builder(address, endpoint, windowBytes, links, closed).build();
  }

  InetSocketAddress address() {
    return address;
  }

  /** The address's name in its backend's endpoint counters ({@code host:port}). */
  String endpoint() {
    return endpoint;
  }

  /** Whether a new call may use this connection (connecting or up, no GOAWAY, ids left). */
  boolean usable() {
    // Not "channel active": a connection still connecting takes calls (they wait for it in order); asking for an
    // active channel made every call of a burst at start open a connection of its own.
    return !goingAway && gone == null && connection().local().lastStreamCreated() < RETIRE_AT_STREAM_ID;
  }

  /** Opens the call's stream now, or once the connection is up. */
  void open(BackendStream call) {
    if (gone != null) {
      call.backendLost(this, gone); // it failed before the call got to it
    } else if (ready) {
      start(call);
    } else {
      waiting.add(call);
    }
  }

  private void start(BackendStream call) {
    int id = connection().local().incrementAndGetNextStreamId();
    calls.put(id, call);
    call.backendStreamOpened(this, id);
  }

  void reset(int streamId, Http2Error error) {
    Http2Stream stream = connection().stream(streamId);
    if (stream != null) {
      resetStream(ctx, streamId, error.code(), ctx.newPromise());
      FlushBatch.soon(ctx.channel());
    } else {
      calls.remove(streamId); // still buffered in the encoder, or never written: nothing on the wire to reset
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    super.channelActive(ctx); // writes the connection preface and our SETTINGS
    if (keepaliveNanos > 0) {
      keepalive = ctx.executor().scheduleWithFixedDelay(this::keepaliveTick, keepaliveNanos, keepaliveNanos,
          TimeUnit.NANOSECONDS);
    }
    flush(ctx);
  }

  /**
   * The backend's first SETTINGS arrived: the calls that waited for the connection open their streams now, in
   * order, with the backend's limits (MAX_CONCURRENT_STREAMS, windows) known rather than assumed.
   */
  private void settingsReceived() {
    if (ready || gone != null) {
      return;
    }
    ready = true;
    List<BackendStream> now = new ArrayList<>(waiting);
    waiting.clear();
    for (BackendStream call : now) {
      start(call);
    }
    FlushBatch.soon(ctx.channel());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    lastReadNanos = System.nanoTime();
    super.channelRead(ctx, msg);
  }

  /**
   * Pings a connection that carries calls but has read nothing for a keepalive interval, and drops it if the
   * ping goes unanswered: a backend that hangs or a network path that died without a FIN would otherwise hold
   * its calls until their deadlines (what grpc-java's channel keepalive does with the same settings).
   */
  private void keepaliveTick() {
    if (pingTimeout != null || calls.isEmpty() || System.nanoTime() - lastReadNanos < keepaliveNanos) {
      return;
    }
    encoder().writePing(ctx, false, KEEPALIVE_PING, ctx.newPromise());
    FlushBatch.soon(ctx.channel());
    pingTimeout = ctx.executor().schedule(() -> {
      lost("did not answer a keepalive ping within "
          + keepaliveTimeoutNanos / 1_000_000 + " ms");
      ctx.close();
    }, keepaliveTimeoutNanos, TimeUnit.NANOSECONDS);
  }

  private void stopKeepalive() {
    if (keepalive != null) {
      keepalive.cancel(false);
      keepalive = null;
    }
    if (pingTimeout != null) {
      pingTimeout.cancel(false);
      pingTimeout = null;
    }
  }

  /** A TLS backend whose handshake failed: its calls end with the reason, before the close that follows. */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent done && !done.isSuccess()) {
      Throwable cause = done.cause();
      while (cause.getCause() != null) {
        cause = cause.getCause();
      }
      lost("TLS handshake failed (" + cause.getMessage() + "): does the backend's tls.ca hold the CA of its "
          + "certificate, does that certificate name the target's host or tls.authority, does the backend need a "
          + "client certificate (tls.cert, tls.key), and does it serve TLS at all?");
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    stopKeepalive();
    lost("the connection closed");
    super.channelInactive(ctx);
    closed.run();
  }

  /** The connection could not be made: the calls waiting for it end as UNAVAILABLE. */
  void connectFailed(Throwable cause) {
    lost("cannot connect: " + cause.getMessage());
    closed.run();
  }

  private void lost(String why) {
    goingAway = true;
    if (gone == null) {
      gone = why; // the first reason: a failed TLS handshake, not the close that follows it
    }
    List<BackendStream> affected = new ArrayList<>(waiting);
    waiting.clear();
    affected.addAll(calls.values());
    calls.clear();
    for (BackendStream call : affected) {
      call.backendLost(this, why);
    }
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
    goingAway = true;
    super.close(ctx, promise);
  }

  /** What the backend sends: each frame goes to its call. */
  private final class Listener extends FrameListener {
    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
        boolean endOfStream) {
      BackendStream call = calls.get(streamId);
      if (call != null) {
        call.responseHeaders(BackendConnection.this, headers, endOfStream);
      }
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
      BackendStream call = calls.get(streamId);
      if (call == null) {
        return data.readableBytes() + padding; // a stream we reset: nothing waits for it
      }
      call.responseData(BackendConnection.this, data, endOfStream);
      return padding; // the data's window opens once the client has taken it (consumed)
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
      BackendStream call = calls.remove(streamId);
      if (call != null) {
        call.backendReset(BackendConnection.this, errorCode);
      }
    }

    @Override
    public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
      settingsReceived();
    }

    @Override
    public void onPingAckRead(ChannelHandlerContext ctx, long data) {
      if (data == KEEPALIVE_PING && pingTimeout != null) {
        pingTimeout.cancel(false);
        pingTimeout = null;
      }
    }

    @Override
    public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
      // Runs before Netty closes the streams above lastStreamId, whose calls then end as refused.
      goingAway = true;
    }
  }

  private static final class Builder
      extends AbstractHttp2ConnectionHandlerBuilder<BackendConnection, Builder> {
    private final InetSocketAddress address;
    private final String endpoint;
    private final BackendLinks links;
    private final Runnable closed;

    Builder(InetSocketAddress address, String endpoint, int windowBytes, BackendLinks links, Runnable closed) {
      this.links = links;
      this.address = address;
      this.endpoint = endpoint;
      this.closed = closed;
      connection(ForwardingHandler.connection(false));
      initialSettings(Http2Settings.defaultSettings().initialWindowSize(windowBytes).pushEnabled(false));
      encoderEnforceMaxConcurrentStreams(true);
      frameListener(new Http2EventAdapter()); // replaced in build(): the listener needs the handler
    }

    @Override
    protected BackendConnection build() {
      return super.build();
    }

    @Override
    protected BackendConnection build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
        Http2Settings initialSettings) {
      BackendConnection handler = new BackendConnection(decoder, encoder, initialSettings, address, endpoint,
          links, closed);
      decoder.frameListener(handler.new Listener());
      return handler;
    }
  }
}
