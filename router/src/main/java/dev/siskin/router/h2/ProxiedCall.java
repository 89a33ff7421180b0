package dev.siskin.router.h2;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.observe.CallListener;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.route.Selection;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * One call through the frame core: the client's stream, the backend's stream, and everything between them. Frames
 * pass as they come -- HEADERS rewritten once, DATA as retained buffers, never parsed -- and each side's window
 * opens only by what the other side has written out ({@code consumed}), so a call holds at most about one window
 * of bytes per direction. It reports exactly one {@link CallOutcome} and releases its backend exactly once.
 *
 * <p>Event-loop confined: the client connection and the backend connection it uses share one loop.
 */
final class ProxiedCall {
  static final String BACKEND_HEADER = "x-canary-backend";

  private final FrontendHandler front;
  private final int frontId;
  private final String method;
  private final String peer;
  private final Instant start = Instant.now();
  private final long startNanos = System.nanoTime();
  private final CallListener listener;
  private Selection selection;
  private Backend backend;
  private BackendConnection conn;
  private int backId = -1;
  /** The request until the backend stream exists: its HEADERS, then DATA frames in order. */
  private Http2Headers pendingHeaders;
  private boolean pendingHeadersEnd;
  private final ArrayDeque<Object> pendingData = new ArrayDeque<>();
  private boolean responseStarted;
  private boolean done;
  private long bytesIn;
  private long bytesOut;
  /** Ends the call at its deadline; null when it has none. */
  private java.util.concurrent.ScheduledFuture<?> deadlineTimer;

  ProxiedCall(FrontendHandler front, int frontId, String method, String peer, CallListener listener) {
    this.front = front;
    this.frontId = frontId;
    this.method = method;
    this.peer = peer;
    this.listener = listener;
  }

  String method() {
    return method;
  }

  /** The routing decided: send the request to {@code conn} once its stream is open. */
  void routed(Selection selection, BackendConnection conn, Http2Headers headers, boolean endStream) {
    this.selection = selection;
    this.backend = selection.backend();
    this.conn = conn;
    this.pendingHeaders = headers;
    this.pendingHeadersEnd = endStream;
    listener.onCallStarted(backend.name(), method);
    conn.open(this);
  }

  /** The router answers the call itself (no backend admitted it). */
  void refused(Selection selection, Status.Code code, String message) {
    this.selection = selection;
    finish(code, true);
    front.writeHeaders(frontId, GrpcStatuses.trailersOnly(code, message, BACKEND_HEADER, null), true);
  }

  /**
   * Ends the call with DEADLINE_EXCEEDED once {@code nanos} have passed, cancelling the backend's stream: the
   * router enforces the deadline it forwards (the client's, or router.default-deadline), so a hung backend
   * holds no call past it.
   */
  void deadline(long nanos) {
    if (!done) {
      deadlineTimer = front.ctx.executor().schedule(this::deadlineExpired, nanos,
          java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  private void deadlineExpired() {
    if (done) {
      return;
    }
    deadlineTimer = null;
    finish(Status.Code.DEADLINE_EXCEEDED, false);
    if (backId > 0) {
      conn.reset(backId, Http2Error.CANCEL);
    }
    String message = "siskin router: deadline exceeded after "
        + (System.nanoTime() - startNanos) / 1_000_000 + " ms";
    if (!responseStarted) {
      front.writeHeaders(frontId, GrpcStatuses.trailersOnly(Status.Code.DEADLINE_EXCEEDED, message, BACKEND_HEADER,
          backend == null ? null : backend.name()), true);
    } else {
      front.writeHeaders(frontId, new io.netty.handler.codec.http2.DefaultHttp2Headers()
          .setInt(GrpcStatuses.GRPC_STATUS, Status.Code.DEADLINE_EXCEEDED.value())
          .set(GrpcStatuses.GRPC_MESSAGE, GrpcStatuses.percentEncode(message)), true);
    }
  }

  // ------------------------------------------------------------------------------------------- request side

  void backendStreamOpened(BackendConnection c, int id) {
    if (done) {
      return;
    }
    backId = id;
    c.writeHeaders(id, pendingHeaders, pendingHeadersEnd);
    pendingHeaders = null;
    while (!pendingData.isEmpty()) {
      PendingData d = (PendingData) pendingData.poll();
      forward(d.data, d.end);
    }
  }

  /** Request DATA from the client; its window opens once the backend connection has written it. */
  void requestData(ByteBuf data, boolean endStream) {
    if (done) {
      front.consumed(frontId, data.readableBytes());
      return;
    }
    bytesIn += data.readableBytes();
    ByteBuf retained = data.retain();
    if (backId < 0) {
      pendingData.add(new PendingData(retained, endStream));
    } else {
      forward(retained, endStream);
    }
  }

  private void forward(ByteBuf data, boolean endStream) {
    int bytes = data.readableBytes();
    conn.writeData(backId, data, endStream).addListener(f -> front.consumed(frontId, bytes));
  }

  /** The client reset its stream: cancel the backend's. */
  void clientReset() {
    if (backId > 0) {
      conn.reset(backId, Http2Error.CANCEL);
    }
    finish(Status.Code.CANCELLED, false);
  }

  /** The client's connection is gone. */
  void clientLost() {
    clientReset();
  }

  // ------------------------------------------------------------------------------------------- response side

  void responseHeaders(Http2Headers headers, boolean endStream) {
    if (done) {
      return;
    }
    if (!responseStarted) {
      responseStarted = true;
      headers.set(BACKEND_HEADER, backend.name());
    }
    if (endStream) {
      finish(GrpcStatuses.fromTrailers(headers), false); // first: writing the last frame closes the stream
    }
    front.writeHeaders(frontId, headers, endStream);
  }

  void responseData(ByteBuf data, boolean endStream) {
    int bytes = data.readableBytes();
    if (done) {
      conn.consumed(backId, bytes);
      return;
    }
    bytesOut += bytes;
    int id = backId;
    BackendConnection c = conn;
    if (endStream) {
      finish(Status.Code.UNKNOWN, false); // a gRPC server ends with trailers: no status came
    }
    front.writeData(frontId, data.retain(), endStream).addListener(f -> c.consumed(id, bytes));
  }

  void backendReset(long errorCode) {
    if (done) {
      return;
    }
    Status.Code code = GrpcStatuses.fromReset(errorCode);
    finish(code, false);
    if (!responseStarted) {
      front.writeHeaders(frontId, GrpcStatuses.trailersOnly(code, "siskin router: backend " + backend.name()
          + " reset the stream (" + Http2Error.valueOf(errorCode) + ")", BACKEND_HEADER, backend.name()), true);
    } else {
      front.reset(frontId, errorCode);
    }
  }

  /** The backend's stream closed without the call having ended (a GOAWAY refused it). */
  void backendStreamClosed(int id) {
    if (!done && id == backId) {
      backendLost("backend " + backend.name() + " closed the stream without an answer");
    }
  }

  /** The backend connection failed or closed under the call. */
  void backendLost(String why) {
    if (done) {
      return;
    }
    finish(Status.Code.UNAVAILABLE, !responseStarted);
    if (!responseStarted) {
      front.writeHeaders(frontId, GrpcStatuses.trailersOnly(Status.Code.UNAVAILABLE, "siskin router: " + why,
          BACKEND_HEADER, backend.name()), true);
    } else {
      front.reset(frontId, Http2Error.INTERNAL_ERROR.code());
    }
  }

  // ------------------------------------------------------------------------------------------- the end

  /** Ends the call: before its last frame is written, since writing it closes the stream. */
  private void finish(Status.Code code, boolean routerError) {
    if (done) {
      return;
    }
    done = true;
    if (deadlineTimer != null) {
      deadlineTimer.cancel(false);
      deadlineTimer = null;
    }
    while (!pendingData.isEmpty()) {
      PendingData d = (PendingData) pendingData.poll();
      front.consumed(frontId, d.data.readableBytes());
      d.data.release();
    }
    front.ended(frontId);
    String name = backend != null ? backend.name() : "";
    if (backend != null) {
      backend.release();
    }
    listener.onCallFinished(new CallOutcome(name, method, code, routerError, start, System.nanoTime() - startNanos,
        bytesIn, bytesOut, peer, 1, selection.cause(), selection.share()));
  }

  private record PendingData(ByteBuf data, boolean end) {}
}
