package dev.siskin.router.h2;

import dev.siskin.router.canary.SkipReason;
import dev.siskin.router.cluster.Backend;
import dev.siskin.router.config.ShadowSettings;
import dev.siskin.router.proxy.CanaryObserver;
import dev.siskin.router.proxy.MessageRecorder;
import dev.siskin.router.proxy.ShadowExchange;
import dev.siskin.router.proxy.ShadowPair;
import dev.siskin.router.proxy.ShadowTraffic;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The shadow copy of one call on the frame core: the call's request HEADERS (marked {@code x-siskin-shadow: 1})
 * and DATA, written as retained duplicates to a stream on the shadow backend's connection of the call's own event
 * loop. Its answer is read off the frames into a {@link MessageRecorder} (the first message, and a digest for
 * methods compared on their bytes) and its window given back at once: the router holds nothing of it.
 *
 * <p>What the primary must never feel: the copy gets the primary's deadline (the same grpc-timeout, enforced
 * here too), it is never retried, nothing of it reaches the client, and it gets request bytes only while it keeps
 * up -- a copy with more than {@link #MAX_UNWRITTEN_BYTES} not yet written to its backend is cancelled, never
 * buffered further. The primary ending CANCELLED or DEADLINE_EXCEEDED, or on the shadow backend itself (a
 * retry), cancels it.
 *
 * <p>With {@code shadow.send = after-primary} the copy is held -- its request kept, no stream opened -- until
 * the primary's answer has been written to the client, and then sent with what is left of the deadline; a held
 * request over {@link #MAX_UNWRITTEN_BYTES} is dropped ({@link SkipReason#REQUEST_TOO_LARGE}). A primary that
 * ends cancelled costs the shadow backend nothing.
 *
 * <p>Event-loop confined; the {@link ShadowPair} it reports to is thread-safe.
 */
final class ShadowCopy implements BackendStream {
  /** A copy this far behind its primary's request is too slow (one stream window: it is not reading). */
  static final int MAX_UNWRITTEN_BYTES = FrameForwarder.WINDOW_BYTES;

  private final ShadowTraffic traffic;
  private final Backend backend;
  private final FrontendHandler front;
  private final EventExecutor loop;
  private final ShadowPair pair;
  private final Http2Headers headers;
  private final boolean headersEnd;
  /** When the primary started: its latency, as the pair reports it, is measured from here. */
  private final long primaryStartNanos = System.nanoTime();
  /** When the copy was sent (its stream asked for): the copy's latency is measured from here. */
  private long sentNanos;
  /** The connection the copy is sent on; null while it is held. */
  private BackendConnection conn;
  /** Held until the primary has answered (shadow.send = after-primary). */
  private boolean held;
  /** Whether the client's request has ended (all of it is in the copy). */
  private boolean requestEnded;
  private final MessageRecorder request = new MessageRecorder(false);
  private final GrpcMessageReader requestReader = new GrpcMessageReader(request);
  private final MessageRecorder answer;
  private final GrpcMessageReader answerReader;
  /** DATA for the copy's stream before it is open. */
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private int id = -1;
  private long unwritten;
  private boolean ended;
  private ScheduledFuture<?> deadlineTimer;

  private ShadowCopy(ShadowTraffic traffic, Backend backend, FrontendHandler front, String method,
      Http2Headers requestHeaders, boolean endStream) {
    this.traffic = traffic;
    this.backend = backend;
    this.front = front;
    this.loop = front.ctx.executor();
    this.pair = new ShadowPair(traffic, method, backend.name());
    this.headers = new DefaultHttp2Headers(false).add(requestHeaders).set(ShadowTraffic.SHADOW_HEADER, "1");
    this.headersEnd = endStream;
    this.requestEnded = endStream;
    this.requestReader.encoding(requestHeaders.get(GrpcStatuses.GRPC_ENCODING));
    this.answer = new MessageRecorder(!CanaryObserver.OBSERVED_METHOD.equals(method));
    this.answerReader = new GrpcMessageReader(answer);
  }

  /**
   * The copy of a call that {@code primary} is about to serve, started on a connection of {@code front}'s loop, or
   * null when the call gets none (not selected, or skipped and counted).
   *
   * @param deadlineNanos the primary's deadline from now, or -1 for none
   */
  static ShadowCopy maybeStart(ShadowTraffic traffic, FrontendHandler front, String method, Backend primary,
      Http2Headers requestHeaders, boolean endStream, long deadlineNanos) {
    Backend shadow = traffic.admit(method, primary, deadlineNanos == 0);
    if (shadow == null) {
      return null;
    }
    boolean hold = traffic.send() == ShadowSettings.Send.AFTER_PRIMARY;
    BackendConnection conn = hold ? null : front.connectionFor(shadow);
    if (!hold && conn == null) {
      traffic.ended(shadow);
      traffic.sink().skipped(shadow.name(), method, SkipReason.BACKEND_UNAVAILABLE);
      return null;
    }
    ShadowCopy copy = new ShadowCopy(traffic, shadow, front, method, requestHeaders, endStream);
    if (deadlineNanos > 0) {
      copy.deadlineTimer = copy.loop.schedule(copy::deadlineExpired, deadlineNanos, TimeUnit.NANOSECONDS);
    }
    if (hold) {
      copy.held = true;
    } else {
      copy.send(conn);
    }
    return copy;
  }

  private void send(BackendConnection on) {
    conn = on;
    sentNanos = System.nanoTime();
    on.open(this);
  }

  /**
   * Sends a held copy, once the primary's answer has been written (a task after the primary's turn of the loop,
   * whose flush writes the client's frames first), on a connection picked now.
   */
  private void release() {
    if (ended || !held) {
      return;
    }
    held = false;
    if (!requestEnded) {
      abandon(SkipReason.REQUEST_UNFINISHED); // the primary answered mid-request: the copy would be cut short
      return;
    }
    BackendConnection on = front.connectionFor(backend);
    if (on == null) {
      abandon(SkipReason.BACKEND_UNAVAILABLE);
      return;
    }
    send(on);
  }

  // ------------------------------------------------------------------------------------------- the primary's side

  /** Request DATA the primary got, as a retained duplicate that the copy now owns. */
  void requestData(ByteBuf data, boolean endStream) {
    if (ended) {
      data.release();
      return;
    }
    requestReader.read(data);
    if (request.count() == 1 && request.first() != null) {
      pair.firstRequest(request.first());
    }
    int bytes = data.readableBytes();
    if (unwritten + bytes > MAX_UNWRITTEN_BYTES) {
      data.release();
      abandon(held ? SkipReason.REQUEST_TOO_LARGE : SkipReason.SHADOW_TOO_SLOW);
      return;
    }
    unwritten += bytes;
    requestEnded |= endStream;
    if (id < 0) {
      pending.add(new Pending(data, endStream));
    } else {
      write(data, endStream);
    }
  }

  /** The primary ended; {@code primaryAnswer} is what it answered. */
  void primaryEnded(String servedBy, Status.Code code, MessageRecorder primaryAnswer) {
    SkipReason abandoned = pair.primaryEnded(servedBy, code,
        primaryAnswer.end(code, System.nanoTime() - primaryStartNanos));
    if (abandoned != null) {
      cancel();
    } else if (held) {
      loop.execute(this::release);
    }
  }

  private void abandon(SkipReason reason) {
    if (pair.abandon(reason)) {
      cancel();
    }
  }

  private void cancel() {
    if (ended) {
      return;
    }
    if (id > 0) {
      conn.reset(id, Http2Error.CANCEL);
    }
    end(Status.Code.CANCELLED);
  }

  private void deadlineExpired() {
    deadlineTimer = null;
    if (!ended) {
      if (id > 0) {
        conn.reset(id, Http2Error.CANCEL);
      }
      end(Status.Code.DEADLINE_EXCEEDED);
    }
  }

  private void write(ByteBuf data, boolean endStream) {
    int bytes = data.readableBytes();
    conn.writeData(id, data, endStream).addListener(f -> unwritten -= bytes);
  }

  // ------------------------------------------------------------------------------------------- the backend's side

  @Override
  public void backendStreamOpened(BackendConnection from, int streamId) {
    if (ended) {
      conn.reset(streamId, Http2Error.CANCEL);
      return;
    }
    id = streamId;
    from.writeHeaders(streamId, headers, headersEnd);
    while (!pending.isEmpty()) {
      Pending p = pending.poll();
      write(p.data, p.end);
    }
  }

  @Override
  public void responseHeaders(BackendConnection from, Http2Headers h, boolean endStream) {
    if (endStream) {
      end(GrpcStatuses.fromTrailers(h));
    } else {
      answerReader.encoding(h.get(GrpcStatuses.GRPC_ENCODING));
    }
  }

  @Override
  public void responseData(BackendConnection from, ByteBuf data, boolean endStream) {
    if (!ended) {
      answerReader.read(data);
    }
    from.consumed(id, data.readableBytes());
    if (endStream) {
      end(Status.Code.UNKNOWN); // a gRPC server ends with trailers: no status came
    }
  }

  @Override
  public void backendReset(BackendConnection from, long errorCode) {
    end(GrpcStatuses.fromReset(errorCode));
  }

  @Override
  public void backendStreamClosed(BackendConnection from, int streamId) {
    end(Status.Code.UNAVAILABLE);
  }

  @Override
  public void backendLost(BackendConnection from, String why) {
    end(Status.Code.UNAVAILABLE);
  }

  /** The copy has ended with {@code code}: its slots go back and its side of the pair is in. Once. */
  private void end(Status.Code code) {
    if (ended) {
      return;
    }
    ended = true;
    if (deadlineTimer != null) {
      deadlineTimer.cancel(false);
      deadlineTimer = null;
    }
    while (!pending.isEmpty()) {
      pending.poll().data.release();
    }
    traffic.ended(backend);
    pair.shadowEnded(answer.end(code, sentNanos == 0 ? 0 : System.nanoTime() - sentNanos));
  }

  private record Pending(ByteBuf data, boolean end) {}
}
