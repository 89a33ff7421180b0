package dev.siskin.router.h2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2FrameTypes;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The test's end of one HTTP/2 connection with the router: it writes raw frames with Netty's
 * {@link DefaultHttp2FrameWriter} into the router's {@link EmbeddedChannel} and parses what the router writes
 * with {@link DefaultHttp2FrameReader}, keeping every frame it received ({@link #frames}).
 *
 * <p>It behaves as a well-mannered peer unless told otherwise: it answers SETTINGS and PING, sends DATA only as
 * far as the router's windows allow (queuing the rest, {@link #send}), refills its connection window as DATA
 * arrives, and opens each stream's window once it has read the DATA -- except for the streams it was told to
 * read slowly ({@link #withhold}). Every buffer it hands the router is a fresh copy, retained once more and kept
 * in {@link #handedOver}: the router must have released each of them when the test ends (refCnt back to 1).
 *
 * <p>Not thread-safe; used on the test's thread, which is the event loop of every EmbeddedChannel.
 */
final class RawPeer {
  enum Kind { HEADERS, DATA, RST_STREAM, GOAWAY, WINDOW_UPDATE, SETTINGS, SETTINGS_ACK, PING, OTHER }

  /** One frame the router sent; DATA is copied, so a frame holds no buffer. */
  record Frame(Kind kind, int streamId, Http2Headers headers, byte[] data, boolean endStream, long errorCode,
      int lastStreamId, int increment, long order) {
    Frame(Kind kind, int streamId, Http2Headers headers, byte[] data, boolean endStream, long errorCode,
        int lastStreamId, int increment) {
      this(kind, streamId, headers, data, endStream, errorCode, lastStreamId, increment, ORDER.incrementAndGet());
    }

    @Override
    public String toString() {
      return kind + "(" + streamId + (endStream ? ", end" : "") + switch (kind) {
        case HEADERS -> ", " + headers;
        case DATA -> ", " + data.length + " bytes";
        case RST_STREAM -> ", " + Http2Error.valueOf(errorCode);
        case GOAWAY -> ", last " + lastStreamId + ", " + Http2Error.valueOf(errorCode);
        case WINDOW_UPDATE -> ", +" + increment;
        default -> "";
      } + ")";
    }
  }

  /** The order of frames received by all peers (one test thread: frames of different connections compare). */
  private static final java.util.concurrent.atomic.AtomicLong ORDER = new java.util.concurrent.atomic.AtomicLong();

  private final String name;
  /** The router's side of the connection. */
  final EmbeddedChannel router;
  /** Where the frame writer writes: its outbound queue holds the bytes for the router. */
  private final EmbeddedChannel wire = new EmbeddedChannel(new ChannelDuplexHandler());
  private final ChannelHandlerContext ctx = wire.pipeline().firstContext();
  private final DefaultHttp2HeadersEncoder headerEncoder = new DefaultHttp2HeadersEncoder();
  private final DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter(headerEncoder);
  private final DefaultHttp2FrameReader reader =
      new DefaultHttp2FrameReader(new DefaultHttp2HeadersDecoder(true, 1L << 20));
  private final ByteBufAllocator alloc;
  private final ByteBuf received = Unpooled.buffer();
  private boolean prefaceToSkip;

  final List<Frame> frames = new ArrayList<>();
  final List<ByteBuf> handedOver = new ArrayList<>();

  private long connectionSendWindow = Http2CodecUtil.DEFAULT_WINDOW_SIZE;
  private long initialStreamSendWindow = Http2CodecUtil.DEFAULT_WINDOW_SIZE;
  private final Map<Integer, Long> streamSendWindows = new HashMap<>();
  /** DATA waiting for window, per stream in the order first sent. */
  private final Map<Integer, ArrayDeque<Chunk>> queued = new LinkedHashMap<>();
  private final Set<Integer> withheld = new HashSet<>();
  private final Map<Integer, Integer> unacknowledged = new HashMap<>();
  private final Set<Integer> endedByRouter = new HashSet<>();
  private boolean refillConnectionWindow = true;
  private int connectionUnacknowledged;

  /** DATA, or HEADERS (trailers) queued behind DATA. */
  private record Chunk(byte[] bytes, Http2Headers headers, boolean end) {}

  /**
   * @param router   the router's channel of this connection
   * @param client   the test is the connection's client (writes the preface); else the router is, and its
   *                 preface is skipped
   * @param settings the peer's SETTINGS, sent at once
   */
  RawPeer(String name, EmbeddedChannel router, boolean client, Http2Settings settings, ByteBufAllocator alloc) {
    this.name = name;
    this.router = router;
    this.alloc = alloc;
    this.prefaceToSkip = !client;
    if (client) {
      wire.write(Http2CodecUtil.connectionPrefaceBuf());
    }
    writer.writeSettings(ctx, settings, ctx.newPromise());
    wire.flush();
  }

  // ------------------------------------------------------------------------------------------- sending

  /** HEADERS on {@code streamId}: now, or after the stream's DATA still waiting for window. */
  void headers(int streamId, Http2Headers headers, boolean endStream) {
    ArrayDeque<Chunk> q = queued.get(streamId);
    if (q != null && !q.isEmpty()) {
      q.add(new Chunk(null, headers, endStream));
      return;
    }
    writer.writeHeaders(ctx, streamId, headers, 0, endStream, ctx.newPromise());
    wire.flush();
  }

  /**
   * A header block split over one HEADERS and CONTINUATION frames of at most {@code fragmentBytes} each (Netty's
   * writer splits only above 16 KiB, the smallest maximum frame size).
   */
  void headersInFragments(int streamId, Http2Headers headers, boolean endStream, int fragmentBytes)
      throws Http2Exception {
    ByteBuf block = ctx.alloc().buffer();
    try {
      headerEncoder.encodeHeaders(streamId, headers, block);
      boolean first = true;
      while (first || block.isReadable()) {
        int n = Math.min(fragmentBytes, block.readableBytes());
        boolean last = n == block.readableBytes();
        Http2Flags flags = new Http2Flags().endOfHeaders(last);
        if (first) {
          flags.endOfStream(endStream);
        }
        writer.writeFrame(ctx, first ? Http2FrameTypes.HEADERS : Http2FrameTypes.CONTINUATION, streamId, flags,
            block.readRetainedSlice(n), ctx.newPromise());
        first = false;
      }
    } finally {
      block.release();
    }
    wire.flush();
  }

  /** DATA on {@code streamId}, sent as far as the windows allow now, the rest as they open. */
  void send(int streamId, byte[] bytes, boolean endStream) {
    queued.computeIfAbsent(streamId, id -> new ArrayDeque<>()).add(new Chunk(bytes, null, endStream));
    pushQueued();
  }

  /** DATA bytes on {@code streamId} not yet sent for want of window. */
  int queuedBytes(int streamId) {
    ArrayDeque<Chunk> q = queued.get(streamId);
    return q == null ? 0 : q.stream().filter(c -> c.bytes != null).mapToInt(c -> c.bytes.length).sum();
  }

  void rst(int streamId, Http2Error error) {
    queued.remove(streamId);
    writer.writeRstStream(ctx, streamId, error.code(), ctx.newPromise());
    wire.flush();
  }

  void goAway(int lastStreamId, Http2Error error) {
    writer.writeGoAway(ctx, lastStreamId, error.code(), Unpooled.EMPTY_BUFFER, ctx.newPromise());
    wire.flush();
  }

  void windowUpdate(int streamId, int increment) {
    writer.writeWindowUpdate(ctx, streamId, increment, ctx.newPromise());
    wire.flush();
  }

  /** Bytes as they are: garbage, or a frame made by hand. */
  void raw(byte[] bytes) {
    wire.writeAndFlush(Unpooled.wrappedBuffer(bytes));
  }

  /** Stops opening {@code streamId}'s window: the test reads that stream slowly. */
  void withhold(int streamId) {
    withheld.add(streamId);
  }

  /** Reads {@code streamId} again: opens its window by all it withheld. */
  void resume(int streamId) {
    withheld.remove(streamId);
    Integer owed = unacknowledged.remove(streamId);
    if (owed != null && owed > 0 && !endedByRouter.contains(streamId)) {
      windowUpdate(streamId, owed);
    }
  }

  /** Stops (or restarts) refilling the connection window as DATA arrives. */
  void refillConnectionWindow(boolean refill) {
    refillConnectionWindow = refill;
    if (refill && connectionUnacknowledged > 0) {
      windowUpdate(0, connectionUnacknowledged);
      connectionUnacknowledged = 0;
    }
  }

  private void pushQueued() {
    for (var it = queued.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      int id = e.getKey();
      ArrayDeque<Chunk> q = e.getValue();
      while (!q.isEmpty()) {
        Chunk c = q.peek();
        if (c.headers != null) {
          writer.writeHeaders(ctx, id, c.headers, 0, c.end, ctx.newPromise());
          q.poll();
          continue;
        }
        long window = Math.min(connectionSendWindow, streamSendWindows.getOrDefault(id, initialStreamSendWindow));
        int n = (int) Math.min(Math.min(window, c.bytes.length), 16384);
        if (n == 0 && c.bytes.length > 0) {
          break;
        }
        boolean whole = n == c.bytes.length;
        writer.writeData(ctx, id, Unpooled.wrappedBuffer(c.bytes, 0, n), 0, whole && c.end, ctx.newPromise());
        connectionSendWindow -= n;
        streamSendWindows.put(id, streamSendWindows.getOrDefault(id, initialStreamSendWindow) - n);
        q.poll();
        if (!whole) {
          q.addFirst(new Chunk(java.util.Arrays.copyOfRange(c.bytes, n, c.bytes.length), null, c.end));
        }
      }
      if (q.isEmpty()) {
        it.remove();
      }
    }
    wire.flush();
  }

  // ------------------------------------------------------------------------------------------- exchanging

  /** Hands the router what this peer wrote; false when there was nothing. */
  boolean transmit() {
    boolean any = false;
    for (Object m; (m = wire.readOutbound()) != null; ) {
      ByteBuf written = (ByteBuf) m;
      any = true;
      if (!router.isOpen()) {
        written.release();
        continue;
      }
      ByteBuf copy = alloc.buffer(written.readableBytes()).writeBytes(written);
      written.release();
      handedOver.add(copy.retain());
      router.writeInbound(copy);
    }
    return any;
  }

  /** Reads and answers what the router wrote; false when it wrote nothing. */
  boolean receive() throws Http2Exception {
    boolean any = false;
    for (Object m; (m = router.readOutbound()) != null; ) {
      ByteBuf b = (ByteBuf) m;
      received.writeBytes(b);
      b.release();
      any = true;
    }
    if (prefaceToSkip && received.readableBytes() >= Http2CodecUtil.connectionPrefaceBuf().readableBytes()) {
      ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
      try {
        if (!io.netty.buffer.ByteBufUtil.equals(preface, received.readSlice(preface.readableBytes()))) {
          throw new AssertionError(name + ": the router's connection did not start with the client preface");
        }
      } finally {
        preface.release();
      }
      prefaceToSkip = false;
    }
    if (!prefaceToSkip) {
      reader.readFrame(ctx, received, new Listener());
    }
    received.discardReadBytes();
    return any;
  }

  /** What this peer still holds: its buffers and its reader's. */
  void close() {
    received.release();
    reader.close();
    writer.close();
    wire.finishAndReleaseAll();
  }

  // ------------------------------------------------------------------------------------------- looking

  List<Frame> frames(int streamId) {
    return frames.stream().filter(f -> f.streamId() == streamId).toList();
  }

  List<Frame> frames(Kind kind) {
    return frames.stream().filter(f -> f.kind() == kind).toList();
  }

  List<Frame> frames(int streamId, Kind kind) {
    return frames.stream().filter(f -> f.streamId() == streamId && f.kind() == kind).toList();
  }

  /** The DATA bytes received on {@code streamId}. */
  int dataBytes(int streamId) {
    return frames(streamId, Kind.DATA).stream().mapToInt(f -> f.data().length).sum();
  }

  byte[] data(int streamId) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    frames(streamId, Kind.DATA).forEach(f -> out.writeBytes(f.data()));
    return out.toByteArray();
  }

  /** The stream-level window the router opened on {@code streamId}. */
  long windowGiven(int streamId) {
    return frames(streamId, Kind.WINDOW_UPDATE).stream().mapToLong(Frame::increment).sum();
  }

  /** The stream whose request HEADERS carried {@code header: value} (the backend's view of a call), or -1. */
  int streamWith(String header, String value) {
    Frame f = headersWith(header, value);
    return f == null ? -1 : f.streamId();
  }

  /** The first HEADERS frame that carried {@code header: value}, or null. */
  Frame headersWith(String header, String value) {
    for (Frame f : frames(Kind.HEADERS)) {
      CharSequence v = f.headers().get(header);
      if (v != null && v.toString().equals(value)) {
        return f;
      }
    }
    return null;
  }

  /** Whether the router ended {@code streamId} (END_STREAM or RST_STREAM). */
  boolean ended(int streamId) {
    return endedByRouter.contains(streamId);
  }

  @Override
  public String toString() {
    return name;
  }

  private final class Listener extends Http2FrameAdapter {
    @Override
    public int onDataRead(ChannelHandlerContext c, int streamId, ByteBuf data, int padding, boolean endOfStream) {
      byte[] bytes = io.netty.buffer.ByteBufUtil.getBytes(data);
      frames.add(new Frame(Kind.DATA, streamId, null, bytes, endOfStream, 0, 0, 0));
      int n = bytes.length + padding;
      if (endOfStream) {
        endedByRouter.add(streamId);
      }
      if (n > 0) {
        if (refillConnectionWindow) {
          windowUpdate(0, n);
        } else {
          connectionUnacknowledged += n;
        }
        if (withheld.contains(streamId)) {
          unacknowledged.merge(streamId, n, Integer::sum);
        } else if (!endOfStream) {
          windowUpdate(streamId, n);
        }
      }
      return n;
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext c, int streamId, Http2Headers headers, int padding,
        boolean endOfStream) {
      frames.add(new Frame(Kind.HEADERS, streamId, headers, null, endOfStream, 0, 0, 0));
      if (endOfStream) {
        endedByRouter.add(streamId);
      }
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext c, int streamId, Http2Headers headers, int streamDependency,
        short weight, boolean exclusive, int padding, boolean endOfStream) {
      onHeadersRead(c, streamId, headers, padding, endOfStream);
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext c, int streamId, long errorCode) {
      frames.add(new Frame(Kind.RST_STREAM, streamId, null, null, false, errorCode, 0, 0));
      endedByRouter.add(streamId);
      queued.remove(streamId);
    }

    @Override
    public void onSettingsRead(ChannelHandlerContext c, Http2Settings settings) {
      frames.add(new Frame(Kind.SETTINGS, 0, null, null, false, 0, 0, 0));
      Integer initial = settings.initialWindowSize();
      if (initial != null) {
        long delta = initial - initialStreamSendWindow;
        initialStreamSendWindow = initial;
        streamSendWindows.replaceAll((id, w) -> w + delta);
      }
      writer.writeSettingsAck(ctx, ctx.newPromise());
      pushQueued();
    }

    @Override
    public void onSettingsAckRead(ChannelHandlerContext c) {
      frames.add(new Frame(Kind.SETTINGS_ACK, 0, null, null, false, 0, 0, 0));
    }

    @Override
    public void onPingRead(ChannelHandlerContext c, long data) {
      frames.add(new Frame(Kind.PING, 0, null, null, false, 0, 0, 0));
      writer.writePing(ctx, true, data, ctx.newPromise());
      wire.flush();
    }

    @Override
    public void onGoAwayRead(ChannelHandlerContext c, int lastStreamId, long errorCode, ByteBuf debugData) {
      frames.add(new Frame(Kind.GOAWAY, 0, null, null, false, errorCode, lastStreamId, 0));
    }

    @Override
    public void onWindowUpdateRead(ChannelHandlerContext c, int streamId, int windowSizeIncrement) {
      frames.add(new Frame(Kind.WINDOW_UPDATE, streamId, null, null, false, 0, 0, windowSizeIncrement));
      if (streamId == 0) {
        connectionSendWindow += windowSizeIncrement;
      } else {
        streamSendWindows.merge(streamId, initialStreamSendWindow + windowSizeIncrement,
            (w, ignored) -> w + windowSizeIncrement);
      }
      pushQueued();
    }
  }
}
