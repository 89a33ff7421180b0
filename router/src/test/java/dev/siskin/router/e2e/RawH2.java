package dev.siskin.router.e2e;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP/2 client on a plain socket that writes whatever frames a test asks for -- well-formed or not, in any
 * order -- and reads what comes back as {@link Frame}s: the hostile peer of {@link HostileClientsIT}. One test
 * thread writes; a reader thread of its own reads.
 */
final class RawH2 implements AutoCloseable {
  static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  static final int DATA = 0;
  static final int HEADERS = 1;
  static final int RST_STREAM = 3;
  static final int SETTINGS = 4;
  static final int PING = 6;
  static final int GOAWAY = 7;
  static final int WINDOW_UPDATE = 8;
  static final int CONTINUATION = 9;
  static final int END_STREAM = 0x1;
  static final int END_HEADERS = 0x4;
  static final int ACK = 0x1;
  /** SETTINGS_INITIAL_WINDOW_SIZE. */
  static final int INITIAL_WINDOW_SIZE = 0x4;

  /** A frame read back. {@code headers} for HEADERS frames (END_HEADERS set), {@code errorCode} for RST and GOAWAY. */
  record Frame(int type, int flags, int streamId, Http2Headers headers, long errorCode, int length) {
    boolean endStream() {
      return (flags & END_STREAM) != 0;
    }
  }

  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;
  private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false, 1 << 20);
  /** What the reader thread read, then {@link #CLOSED} once the connection ended. */
  private final LinkedBlockingQueue<Frame> received = new LinkedBlockingQueue<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private volatile boolean closedByPeer;
  /*
   * The server's SETTINGS may be read before the test has sent the client preface: its ACK then waits for the
   * preface, since an ACK sent first would be a bad preface and the server would close the connection (the test
   * saw that as a broken pipe in handshake, now and then). Guarded by this.
   */
  private boolean prefaceSent;
  private boolean ackOwed;

  private static final Frame CLOSED = new Frame(-1, 0, 0, null, -1, 0);

  private RawH2(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = socket.getInputStream();
    Thread reader = new Thread(this::readLoop, "raw-h2-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** A TCP connection to {@code port} on loopback; nothing sent yet. */
  static RawH2 connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    s.setTcpNoDelay(true);
    return new RawH2(s);
  }

  /** The client preface and a SETTINGS frame with {@code settings} as (id, value) pairs. */
  synchronized RawH2 handshake(int... settings) throws IOException {
    out.write(PREFACE);
    prefaceSent = true;
    byte[] payload = new byte[settings.length / 2 * 6];
    for (int i = 0; i + 1 < settings.length; i += 2) {
      int at = i / 2 * 6;
      payload[at] = (byte) (settings[i] >>> 8);
      payload[at + 1] = (byte) settings[i];
      putInt(payload, at + 2, settings[i + 1]);
    }
    frame(SETTINGS, 0, 0, payload);
    if (ackOwed) {
      ackOwed = false;
      frame(SETTINGS, ACK, 0, new byte[0]);
    }
    return this;
  }

  /** Raw bytes, whatever they are. */
  synchronized void write(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** One frame; thread-safe (the reader thread writes SETTINGS acks). */
  synchronized void frame(int type, int flags, int streamId, byte[] payload) throws IOException {
    byte[] header = new byte[9];
    header[0] = (byte) (payload.length >>> 16);
    header[1] = (byte) (payload.length >>> 8);
    header[2] = (byte) payload.length;
    header[3] = (byte) type;
    header[4] = (byte) flags;
    putInt(header, 5, streamId & 0x7fffffff);
    out.write(header);
    out.write(payload);
    out.flush();
  }

  /** The HPACK block of {@code headers}, to send in one HEADERS frame or cut over CONTINUATIONs. */
  byte[] headerBlock(Http2Headers headers) throws Http2Exception {
    ByteBuf buf = Unpooled.buffer();
    try {
      encoder.encodeHeaders(1, headers, buf);
      byte[] bytes = new byte[buf.readableBytes()];
      buf.readBytes(bytes);
      return bytes;
    } finally {
      buf.release();
    }
  }

  void headers(int streamId, Http2Headers headers, boolean endStream) throws IOException, Http2Exception {
    frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), streamId, headerBlock(headers));
  }

  void data(int streamId, byte[] payload, boolean endStream) throws IOException {
    frame(DATA, endStream ? END_STREAM : 0, streamId, payload);
  }

  void reset(int streamId, long errorCode) throws IOException {
    byte[] p = new byte[4];
    putInt(p, 0, (int) errorCode);
    frame(RST_STREAM, 0, streamId, p);
  }

  /** Request headers of a gRPC call of {@code method} (e.g. "/mlservice.v1.PredictionService/Predict"). */
  static Http2Headers grpcRequest(String method) {
    return new DefaultHttp2Headers().method("POST").scheme("http").path(method).authority("siskin-test")
        .set("content-type", "application/grpc").set("te", "trailers");
  }

  /** A gRPC message: the 5-byte prefix with {@code declaredLength}, then {@code body}. */
  static byte[] grpcMessage(int declaredLength, byte[] body) {
    byte[] m = new byte[5 + body.length];
    putInt(m, 1, declaredLength);
    System.arraycopy(body, 0, m, 5, body.length);
    return m;
  }

  /**
   * Frames read until {@code stop} says so, the peer closes, or {@code timeout} passes. The peer's frames are read
   * from the moment of connecting by a reader thread (so that what it sends while a test is still writing is not
   * lost to a reset), which also acks the peer's SETTINGS, as a client must.
   */
  List<Frame> readUntil(java.util.function.Predicate<Frame> stop, Duration timeout) throws InterruptedException {
    List<Frame> frames = new ArrayList<>();
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = end - System.nanoTime();
      Frame f = left > 0 ? received.poll(left, TimeUnit.NANOSECONDS) : received.poll();
      if (f == null || f == CLOSED) {
        return frames;
      }
      frames.add(f);
      if (stop.test(f)) {
        return frames;
      }
    }
  }

  /** Whether the peer closed the connection (seen by the reader). */
  boolean closedByPeer() {
    return closedByPeer;
  }

  /** Waits until the peer closes or {@code timeout} passes, dropping what comes; true when it closed. */
  boolean awaitClose(Duration timeout) throws InterruptedException {
    return closed.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void readLoop() {
    try {
      while (true) {
        Frame f = readFrame();
        if (f == null) {
          break;
        }
        if (f.type == SETTINGS && (f.flags & ACK) == 0) {
          ackSettings();
        }
        received.add(f);
      }
    } catch (IOException e) {
      // unreadable or reset: closed either way
    } finally {
      closedByPeer = true;
      received.add(CLOSED);
      closed.countDown();
    }
  }

  private synchronized void ackSettings() {
    if (!prefaceSent) {
      ackOwed = true;
      return;
    }
    try {
      frame(SETTINGS, ACK, 0, new byte[0]);
    } catch (IOException e) {
      // closed under us: the reads will say so
    }
  }

  private Frame readFrame() throws IOException {
    byte[] header = readFully(9);
    if (header == null) {
      return null;
    }
    int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
    int type = header[3] & 0xff;
    int flags = header[4] & 0xff;
    int streamId = getInt(header, 5) & 0x7fffffff;
    byte[] payload = readFully(length);
    if (payload == null) {
      return null;
    }
    Http2Headers headers = null;
    long errorCode = -1;
    if (type == HEADERS && (flags & END_HEADERS) != 0) {
      ByteBuf block = Unpooled.wrappedBuffer(payload);
      try {
        headers = decoder.decodeHeaders(streamId, block);
      } catch (Http2Exception e) {
        throw new IOException("cannot decode the peer's headers: " + e.getMessage(), e);
      } finally {
        block.release();
      }
    } else if (type == RST_STREAM && length >= 4) {
      errorCode = getInt(payload, 0) & 0xffffffffL;
    } else if (type == GOAWAY && length >= 8) {
      errorCode = getInt(payload, 4) & 0xffffffffL;
    }
    return new Frame(type, flags, streamId, headers, errorCode, length);
  }

  /** {@code n} bytes, or null at the end of the stream. */
  private byte[] readFully(int n) throws IOException {
    byte[] b = new byte[n];
    int at = 0;
    while (at < n) {
      int r = in.read(b, at, n - at);
      if (r < 0) {
        return null;
      }
      at += r;
    }
    return b;
  }

  private static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }

  private static int getInt(byte[] b, int at) {
    return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
