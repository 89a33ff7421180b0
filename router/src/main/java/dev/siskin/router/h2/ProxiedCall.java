package dev.siskin.router.h2;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.cluster.EndpointCalls;
import dev.siskin.router.config.FailureSettings;
import dev.siskin.router.observe.CallListener;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.observe.RouteCause;
import dev.siskin.router.proxy.CallOutcomes;
import dev.siskin.router.proxy.CanaryObserver;
import dev.siskin.router.proxy.MessageRecorder;
import dev.siskin.router.proxy.Resilience;
import dev.siskin.router.proxy.RetryStats;
import dev.siskin.router.proxy.RouterErrors;
import dev.siskin.router.proxy.ShadowTraffic;
import dev.siskin.router.route.Selection;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One call through the frame core: the client's stream, the backend's stream, and everything between them. Frames
 * pass as they come -- HEADERS rewritten once, DATA as retained buffers, never parsed -- and each side's window
 * opens only by what the other side has written out ({@code consumed}), so a call holds at most about one window
 * of bytes per direction. It reports exactly one {@link CallOutcome} and releases its backend exactly once.
 *
 * <p>Retries: until the backend's response HEADERS arrive the call keeps its request (headers, and DATA up to
 * {@code router.retry.buffer-limit}) and, when the attempt ends UNAVAILABLE (a backend it cannot reach, a
 * connection lost, a refused stream, a Trailers-Only UNAVAILABLE) or with an idempotent method's retryable code,
 * replays it on another backend -- within {@code max-attempts} and the retry budget. A
 * forced call is never retried elsewhere.
 *
 * <p>Shadow traffic: a call the shadow rules select gets a {@link ShadowCopy} of its request, and its own answer
 * is read as it passes (a {@link GrpcMessageReader}, without holding it) for the comparison; a served Predict
 * call's first answer is read the same way for the class distribution. Other calls' DATA is never parsed.
 *
 * <p>Event-loop confined: the client connection and the backend connections it uses share one loop.
 */
final class ProxiedCall implements BackendStream, dev.siskin.router.proxy.EndableCall {
  static final String BACKEND_HEADER = "x-canary-backend";

  private final FrontendHandler front;
  private final int frontId;
  private final String method;
  private final String peer;
  private final Instant start = Instant.now();
  private final long startNanos = System.nanoTime();
  private final CallListener listener;
  /** Where attempts are reported and retries budgeted; null: no retries (tests of the bare core). */
  private final Resilience resilience;
  /** Shadow copies and the canary analysis' answers; null: none (tests of the bare core). */
  private final ShadowTraffic shadows;
  /** Whether the answer is reported to the canary analysis (Predict calls). */
  private final boolean observed;
  /** The call's copy on the shadow backend, or null. */
  private ShadowCopy shadow;
  /** The answer as read for the shadow comparison or the analysis; null when nobody reads it. */
  private MessageRecorder answer;
  private GrpcMessageReader answerReader;
  /** Where the answer forwarded so far ends: whether trailers made by the router can still carry a status. */
  private final MessageBoundary answerBoundary = new MessageBoundary();
  private Selection selection;
  private Backend backend;
  /** The counters of the address the current attempt went to; null before the first. */
  private EndpointCalls endpoint;
  private BackendConnection conn;
  private int backId = -1;
  private Http2Headers requestHeaders;
  private boolean requestHeadersEnd;
  /** Whether the client has ended its request (END_STREAM on HEADERS or DATA). */
  private boolean requestEnded;
  /** The request's DATA for a retry, until the response starts; null once it may not be retried. */
  private List<ByteBuf> replay = new ArrayList<>();
  private long replayBytes;
  private boolean replayEnded;
  /** The headers the routing rules read, for choosing again. */
  private io.grpc.Metadata routingHeaders;
  /** What the current attempt has still to write, once its stream is open. */
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private final List<Backend> tried = new ArrayList<>(1);
  private CallOutcome.FirstAttempt first;
  private int retries;
  private boolean responseStarted;
  private boolean done;
  /** The backend serving now, for {@link #endIfServedBy} from other threads; null once the call ended. */
  private volatile String servedBy;
  private long bytesIn;
  private long bytesOut;
  /** The router.default-deadline the call got (it came without one), or null. */
  private java.time.Duration defaultDeadline;
  /** Ends the call at its deadline; null when it has none. */
  private ScheduledFuture<?> deadlineTimer;

  ProxiedCall(FrontendHandler front, int frontId, String method, String peer, CallListener listener,
      Resilience resilience, ShadowTraffic shadows) {
    this.shadows = shadows;
    this.observed = shadows != null && CanaryObserver.OBSERVED_METHOD.equals(method);
    this.front = front;
    this.frontId = frontId;
    this.method = method;
    this.peer = peer;
    this.listener = listener;
    this.resilience = resilience;
    if (resilience == null) {
      replay = null;
    }
  }

  String method() {
    return method;
  }

  io.grpc.Metadata routingHeaders() {
    return routingHeaders;
  }

  /**
   * The routing decided: send the request to {@code conn} once its stream is open.
   *
   * @param deadlineNanos   the call's deadline from now (enforced), or -1 for none
   * @param defaultDeadline the router.default-deadline when that is the call's deadline (it came without one)
   */
  void routed(Selection selection, BackendConnection conn, Http2Headers headers, boolean endStream,
      io.grpc.Metadata routingHeaders, long deadlineNanos, java.time.Duration defaultDeadline) {
    this.defaultDeadline = defaultDeadline;
    this.routingHeaders = routingHeaders;
    this.selection = selection;
    this.backend = selection.backend();
    this.conn = conn;
    this.requestHeaders = headers;
    this.requestHeadersEnd = endStream;
    this.requestEnded = endStream;
    tried.add(backend);
    servedBy = backend.name();
    if (resilience != null) {
      resilience.budget().callStarted();
      resilience.calls().joined(this);
    }
    if (selection.cause() == RouteCause.HEADER) {
      dropReplay(); // a forced call is served by its backend or fails: never silently by another
    }
    listener.onCallStarted(backend.name(), method);
    attemptStarted();
    conn.open(this);
    if (shadows != null) {
      shadow = ShadowCopy.maybeStart(shadows, front, method, backend, headers, endStream, deadlineNanos);
    }
    if (shadow != null || observed) {
      answer = new MessageRecorder(shadow != null && !observed); // Predict answers are compared decoded
      answerReader = new GrpcMessageReader(answer);
    }
    if (deadlineNanos >= 0) {
      deadline(deadlineNanos);
    }
  }

  /** The router answers the call itself (no backend admitted it). */
  void refused(Selection selection, Status status) {
    this.selection = selection;
    listener.onCallStarted(CallOutcomes.NONE, method);
    finish(status.getCode(), true);
    send(status); // a refusal says itself why (panic included)
  }

  /**
   * A status the router made for this call, with why when it matters: the routing was in panic mode, or the call
   * was forced to its backend (and so not tried on another).
   */
  private Status routerMade(Status status) {
    if (selection != null && selection.panic()) {
      status = RouterErrors.inPanic(status);
    }
    if (selection != null && selection.cause() == RouteCause.HEADER) {
      status = RouterErrors.forced(status);
    }
    return status;
  }

  /** Answers the client with a status the router made, as Trailers-Only or as trailers after a response. */
  private void answer(Status status) {
    send(routerMade(status));
  }

  /**
   * The status the client will read when the router ends the call with {@code code}: the same, but when the answer
   * forwarded so far stops inside a message -- no trailers can carry a status there, so {@link #send} resets the
   * stream, which the client reads as INTERNAL. The outcome reported is what the client saw.
   */
  private Status.Code seenByClient(Status.Code code) {
    return responseStarted && !answerBoundary.atBoundary() ? Status.Code.INTERNAL : code;
  }

  /** Answers the client with {@code status} as it is (see {@link #seenByClient}). */
  private void send(Status status) {
    String message = status.getDescription() == null ? "" : status.getDescription();
    if (!responseStarted) {
      front.writeHeaders(frontId, GrpcStatuses.trailersOnly(status.getCode(), message, BACKEND_HEADER,
          backend == null ? null : backend.name()), true);
    } else if (!answerBoundary.atBoundary()) {
      front.reset(frontId, Http2Error.INTERNAL_ERROR.code());
    } else {
      front.writeHeaders(frontId, new DefaultHttp2Headers().setInt(GrpcStatuses.GRPC_STATUS, status.getCode().value())
          .set(GrpcStatuses.GRPC_MESSAGE, GrpcStatuses.percentEncode(message)), true);
    }
  }

  /**
   * Ends the call with DEADLINE_EXCEEDED once {@code nanos} have passed, cancelling the backend's stream: the
   * router enforces the deadline it forwards (the client's, or router.default-deadline), so a hung backend
   * holds no call past it.
   */
  private void deadline(long nanos) {
    if (!done) {
      deadlineTimer = front.ctx.executor().schedule(this::deadlineExpired, nanos, TimeUnit.NANOSECONDS);
    }
  }

  private void deadlineExpired() {
    if (done) {
      return;
    }
    deadlineTimer = null;
    finish(seenByClient(Status.Code.DEADLINE_EXCEEDED), false);
    if (backId > 0) {
      conn.reset(backId, Http2Error.CANCEL);
    }
    answer(defaultDeadline != null ? RouterErrors.defaultDeadlineExceeded(backend.name(), defaultDeadline)
        : Status.DEADLINE_EXCEEDED.withDescription(RouterErrors.PREFIX + "deadline exceeded after "
            + (System.nanoTime() - startNanos) / 1_000_000 + " ms"));
  }

  @Override
  public boolean endIfServedBy(String name, Status status) {
    if (!name.equals(servedBy)) {
      return false;
    }
    front.ctx.executor().execute(() -> endWith(name, status));
    return true;
  }

  /** Ends the call with {@code status} if {@code name} still serves it (on the call's loop). */
  private void endWith(String name, Status status) {
    if (done || !name.equals(backend.name())) {
      return;
    }
    finish(seenByClient(status.getCode()), true);
    if (backId > 0) {
      conn.reset(backId, Http2Error.CANCEL);
    }
    send(status); // the status of whoever ended it, as given
  }

  private void attemptStarted() {
    endpoint = backend.endpointCalls(conn.endpoint());
    endpoint.started();
  }

  // ------------------------------------------------------------------------------------------- request side

  @Override
  public void backendStreamOpened(BackendConnection c, int id) {
    if (done || c != conn) {
      return;
    }
    backId = id;
    c.writeHeaders(id, requestHeaders, requestHeadersEnd);
    while (!pending.isEmpty()) {
      Pending p = pending.poll();
      write(p);
    }
  }

  /** Request DATA from the client; its window opens once the backend connection has written it. */
  void requestData(ByteBuf data, boolean endStream) {
    if (done) {
      front.consumed(frontId, data.readableBytes());
      return;
    }
    bytesIn += data.readableBytes();
    requestEnded |= endStream;
    keepForReplay(data, endStream);
    // The copy's duplicate is taken first: writing the frame may move its reader index.
    ByteBuf forShadow = shadow != null ? data.retainedDuplicate() : null;
    Pending p = new Pending(data.retain(), endStream, true);
    if (backId < 0) {
      pending.add(p);
    } else {
      write(p);
    }
    if (forShadow != null) {
      shadow.requestData(forShadow, endStream); // after the primary's: the copy never goes first
    }
  }

  private void keepForReplay(ByteBuf data, boolean endStream) {
    if (replay == null || responseStarted) {
      return;
    }
    FailureSettings.Retry policy = resilience.settings().get().retry();
    replayBytes += data.readableBytes();
    if (replayBytes > policy.bufferLimitBytes()) {
      dropReplay();
      resilience.retries().skipped(RetryStats.Skipped.BUFFER_LIMIT);
      return;
    }
    replay.add(data.retainedDuplicate());
    replayEnded = endStream; // a replay ends where the request did: on its last DATA
  }

  private void dropReplay() {
    if (replay != null) {
      replay.forEach(ByteBuf::release);
      replay = null;
    }
  }

  private void write(Pending p) {
    int bytes = p.data.readableBytes();
    var f = conn.writeData(backId, p.data, p.end);
    if (p.fromClient) {
      f.addListener(x -> front.consumed(frontId, bytes)); // a replayed copy was consumed the first time
    }
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

  @Override
  public void responseHeaders(BackendConnection from, Http2Headers headers, boolean endStream) {
    if (done || from != conn) {
      return;
    }
    if (!responseStarted) {
      if (endStream && retry(GrpcStatuses.fromTrailers(headers))) {
        return; // Trailers-Only with a retryable status: the client never sees it
      }
      responseStarted = true;
      dropReplay();
      if (answerReader != null) {
        answerReader.encoding(headers.get(GrpcStatuses.GRPC_ENCODING));
      }
      headers.set(BACKEND_HEADER, backend.name());
    }
    if (endStream) {
      finish(GrpcStatuses.fromTrailers(headers), false); // first: writing the last frame closes the stream
      closeRequestSide();
    }
    front.writeHeaders(frontId, headers, endStream);
  }

  /**
   * The backend ended its answer while the client was still sending: the call is over, so the router's half of
   * the backend stream is reset rather than left open (it would hold one of the backend's concurrent streams,
   * and keep a retiring connection from closing). What the client sends after this is dropped.
   */
  private void closeRequestSide() {
    if (!requestEnded && backId > 0) {
      conn.reset(backId, Http2Error.CANCEL);
    }
  }

  @Override
  public void responseData(BackendConnection from, ByteBuf data, boolean endStream) {
    int bytes = data.readableBytes();
    if (done || from != conn) {
      from.consumed(from == conn ? backId : -1, bytes);
      return;
    }
    if (!responseStarted) {
      // DATA before response HEADERS is malformed (RFC 9113 8.1): the client must not get it as a response.
      from.consumed(backId, bytes);
      finish(Status.Code.INTERNAL, true);
      conn.reset(backId, Http2Error.PROTOCOL_ERROR);
      answer(Status.INTERNAL.withDescription(RouterErrors.PREFIX + "backend " + backend.name() + " ("
          + conn.endpoint() + ") sent DATA before its response headers"));
      return;
    }
    bytesOut += bytes;
    answerBoundary.read(data); // before the write, which may move the reader index
    if (answerReader != null) {
      answerReader.read(data);
    }
    int id = backId;
    BackendConnection c = conn;
    if (endStream) {
      finish(Status.Code.UNKNOWN, false); // a gRPC server ends with trailers: no status came
      closeRequestSide();
    }
    front.writeData(frontId, data.retain(), endStream).addListener(f -> c.consumed(id, bytes));
  }

  @Override
  public void backendReset(BackendConnection from, long errorCode) {
    if (done || from != conn) {
      return;
    }
    Status.Code code = GrpcStatuses.fromReset(errorCode);
    if (!responseStarted && retry(code)) {
      return;
    }
    finish(code, false);
    if (!responseStarted) {
      front.writeHeaders(frontId, GrpcStatuses.trailersOnly(code, "siskin router: backend " + backend.name()
          + " reset the stream (" + Http2Error.valueOf(errorCode) + ")", BACKEND_HEADER, backend.name()), true);
    } else {
      front.reset(frontId, errorCode);
    }
  }

  /** The backend's stream closed without the call having ended (a GOAWAY refused it). */
  @Override
  public void backendStreamClosed(BackendConnection from, int id) {
    if (!done && from == conn && id == backId) {
      backendLost(from, "closed the stream without an answer");
    }
  }

  /** The backend connection failed or closed under the call. */
  @Override
  public void backendLost(BackendConnection from, String why) {
    if (done || from != conn) {
      return;
    }
    if (!responseStarted && retry(Status.Code.UNAVAILABLE)) {
      return;
    }
    // After the answer started the call cannot be replayed: the client has the backend's headers. Between
    // messages it still gets a status it can act on (UNAVAILABLE, as if it had lost a direct connection).
    finish(seenByClient(Status.Code.UNAVAILABLE), !responseStarted);
    answer(RouterErrors.backendFailed(backend.name(), from.endpoint(), responseStarted
        ? why + " after its answer had started (not retried: the client has part of it)" : why));
  }

  /**
   * Replays the request on another backend after an attempt that ended with {@code code} before any response;
   * false when the call may not or cannot be retried (the caller then ends it with {@code code}).
   */
  private boolean retry(Status.Code code) {
    if (replay == null) {
      return false;
    }
    FailureSettings.Retry policy = resilience.settings().get().retry();
    if (tried.size() >= policy.maxAttempts() || !policy.retryable(method, code)) {
      return false;
    }
    if (!resilience.budget().tryStartRetry(policy.budgetPercent(), policy.budgetMinConcurrency())) {
      resilience.retries().skipped(RetryStats.Skipped.BUDGET);
      return false;
    }
    Selection next = front.reselect(this, tried);
    // Another address than the one that just failed, where the backend has another.
    BackendConnection nextConn = next.refusal() == Selection.Refusal.NONE
        ? front.connectionFor(next.backend(), conn.address()) : null;
    if (nextConn == null) {
      if (next.refusal() == Selection.Refusal.NONE) {
        next.backend().release();
      }
      resilience.budget().retriesFinished(1);
      return false;
    }
    if (first == null) {
      first = new CallOutcome.FirstAttempt(backend.name(), selection.share(), code);
    }
    retries++;
    resilience.retries().retried(backend.name(), code);
    resilience.attempts().accept(backend, code);
    if (backId > 0) {
      conn.reset(backId, Http2Error.CANCEL); // the failed attempt's stream, if still open
    }
    backend.release();
    endpoint.finished(false);
    listener.onCallRerouted(backend.name(), next.backend().name(), method);
    for (Pending p : pending) {
      if (p.fromClient) {
        front.consumed(frontId, p.data.readableBytes()); // never written: the replay below carries the bytes
      }
      p.data.release();
    }
    pending.clear();
    selection = next;
    backend = next.backend();
    servedBy = backend.name();
    tried.add(backend);
    conn = nextConn;
    backId = -1;
    attemptStarted();
    for (int i = 0; i < replay.size(); i++) {
      boolean last = i == replay.size() - 1 && replayEnded;
      pending.add(new Pending(replay.get(i).retainedDuplicate(), last, false));
    }
    conn.open(this);
    return true;
  }

  // ------------------------------------------------------------------------------------------- the end

  /** Ends the call: before its last frame is written, since writing it closes the stream. */
  private void finish(Status.Code code, boolean routerError) {
    if (done) {
      return;
    }
    done = true;
    servedBy = null;
    if (deadlineTimer != null) {
      deadlineTimer.cancel(false);
      deadlineTimer = null;
    }
    while (!pending.isEmpty()) {
      Pending p = pending.poll();
      if (p.fromClient) {
        front.consumed(frontId, p.data.readableBytes());
      }
      p.data.release();
    }
    dropReplay();
    front.ended(frontId);
    String name = backend != null ? backend.name() : CallOutcomes.NONE;
    if (backend != null) {
      backend.release();
    }
    if (endpoint != null) {
      endpoint.finished(code == Status.Code.OK);
    }
    if (shadow != null) {
      shadow.primaryEnded(name, code, answer);
    }
    if (observed && code == Status.Code.OK && answer != null && answer.first() != null) {
      shadows.sink().served(name, answer.first());
    }
    if (resilience != null && backend != null) {
      resilience.calls().left(this);
      resilience.attempts().accept(backend, code);
      resilience.budget().retriesFinished(retries);
      resilience.budget().callFinished();
    }
    CallOutcome.FirstAttempt firstAttempt = first != null ? first
        : new CallOutcome.FirstAttempt(name, selection.share(), code);
    listener.onCallFinished(new CallOutcome(name, method, code, routerError, start, System.nanoTime() - startNanos,
        bytesIn, bytesOut, peer, tried.isEmpty() ? 1 : tried.size(), selection.cause(), selection.share(),
        firstAttempt));
  }

  /** A DATA frame for the backend; {@code fromClient}: its window is the client's, opened once it is written. */
  private record Pending(ByteBuf data, boolean end, boolean fromClient) {}
}
