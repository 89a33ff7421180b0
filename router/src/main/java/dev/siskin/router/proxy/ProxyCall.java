package dev.siskin.router.proxy;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.config.FailureSettings;
import dev.siskin.router.observe.CallListener;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.observe.RouteCause;
import dev.siskin.router.route.Route;
import dev.siskin.router.route.Selection;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client call forwarded to a backend: the server call (client side) paired with a client call (backend
 * side), messages passed through as bytes with backpressure both ways. When an attempt fails before the
 * backend sent any response header, the call may be retried on another backend (see {@link #retry}).
 *
 * <p>What crosses: request headers (minus transport-owned ones), the deadline, every request message,
 * half-close and cancellation towards the backend; response headers (plus {@code x-canary-backend}), every
 * response message, the status code and description and the trailers (incl. {@code -bin}) towards the client.
 *
 * <p>Retries: until an attempt receives response headers the call is <em>uncommitted</em>: request messages
 * are also kept in a {@link RequestBuffer} (up to {@code router.retry.buffer-limit}), and an attempt that
 * closes with a retryable status starts the next one on another backend, which gets the headers, the kept
 * messages and the half-close again. Response headers commit the call to that attempt: the buffer is dropped
 * and nothing is retried any more, since the client may have seen part of the answer. A call the client forced
 * onto a backend (force header) is never retried: another backend must not serve it silently, and the same one
 * just failed it.
 *
 * <p>Threading: grpc-java serializes the callbacks of each listener, but the listeners run on different
 * threads. Until the call commits, switching attempts and sending to the current one are serialized by
 * {@code this} (uncontended in practice: one client thread and one backend thread per call); once it has
 * committed, {@link #current} never changes and the lock is no longer taken. The client's server call is
 * used only from the current attempt's listener (an attempt that retries writes nothing to it), except
 * {@code request(n)}, which may be called from any thread. {@link FlowGate} hands demand across;
 * {@link #finish} is once-only by CAS.
 */
final class ProxyCall implements EndableCall {
  private final ServerCall<byte[], byte[]> serverCall;
  private final Route route;
  private final CallListener listener;
  private final Resilience resilience;
  private final FailureSettings.Retry retryPolicy;
  private final int maxMessageBytes;
  private final String fullMethod;
  private final Context serverContext;
  private final long startNanos;
  private final Instant startTime;
  private final String peer;
  private final CallOptions options;
  /** True when the deadline is the router's default, not the client's: its expiry is then reported as such. */
  private final boolean defaultDeadline;
  private final boolean panicAtStart;
  /** The call was forced onto its backend by the force header: no retry, and its errors say why. */
  private final boolean forced;
  private final FlowGate toBackend;
  private final FlowGate toClient;
  private final AtomicBoolean finished = new AtomicBoolean();
  /** The request headers as forwarded; each attempt gets its own copy. Set in start(), then read-only. */
  private Metadata requestHeaders;
  /** The attempt in force. Changes only under the lock and only while not committed. */
  private volatile Attempt current;
  /** Set once, under the lock, when an attempt received response headers or the call ended. */
  private volatile boolean committed;
  /** Guarded by this. Null once committed or past the buffer limit. */
  private RequestBuffer buffer;
  /** Guarded by this. */
  private boolean halfClosed;
  /** Guarded by this. Backends tried so far, in order. */
  private final List<Backend> tried = new ArrayList<>(2);
  /** Guarded by this: retries taken from the budget, given back when the call ends. */
  private int retriesTaken;
  /**
   * Set once the client's side was cancelled. From then on nothing is written to the server call: the
   * transport is closing the stream with its own status (e.g. RESOURCE_EXHAUSTED for a message over the
   * limit), which a late close of ours must not overtake.
   */
  private volatile boolean clientGone;
  /**
   * Bytes of {@link MessageMemory} held for the request message in the router's hands, released when the next
   * one is requested or the call ends (from whichever thread does that first); the same for the response.
   */
  private final AtomicLong heldIn = new AtomicLong();
  private final AtomicLong heldOut = new AtomicLong();
  /** Guarded by this: bytes of MessageMemory held by the messages in {@link #buffer}, released with it. */
  private long bufferHeld;
  /**
   * Set once when a message found no room in MessageMemory: the call ends with this status. The attempt is
   * cancelled and its onClose (the one thread that closes the client's call) reports it.
   */
  private volatile Status refusal;
  private final ShadowTraffic shadows;
  /** The shadow copy of this call, or null; set in start() before any callback can run. */
  private ShadowCall shadow;
  /** Whether the answer is reported to the canary observer (Predict calls). */
  private final boolean observed;
  /** The committed attempt's first response message, when observed; written by that attempt's thread. */
  private volatile byte[] firstResponse;
  /** The first attempt and its status once a retry replaced it; null until then. Under the lock. */
  private EndedAttempt first;
  /** Written only by the client side's (Requests) thread. */
  private volatile long bytesIn;
  /** Written only by the committed attempt's thread. */
  private volatile long bytesOut;

  /**
   * @param first the admitted backend of the first attempt (from {@code route})
   */
  ProxyCall(ServerCall<byte[], byte[]> serverCall, Selection first, Route route, CallListener listener,
      Resilience resilience, FailureSettings settings, int maxMessageBytes, long startNanos, Instant startTime,
      String peer, ShadowTraffic shadows) {
    this.serverCall = serverCall;
    this.shadows = shadows;
    this.observed = CanaryObserver.OBSERVED_METHOD.equals(serverCall.getMethodDescriptor().getFullMethodName());
    this.route = route;
    this.listener = listener;
    this.resilience = resilience;
    this.retryPolicy = settings.retry();
    this.maxMessageBytes = maxMessageBytes;
    this.fullMethod = serverCall.getMethodDescriptor().getFullMethodName();
    this.startNanos = startNanos;
    this.startTime = startTime;
    this.peer = peer;
    this.panicAtStart = first.panic();
    this.forced = first.cause() == RouteCause.HEADER;
    this.serverContext = Context.current();
    Deadline deadline = serverContext.getDeadline();
    boolean byDefault = false;
    if (deadline == null && !settings.limits().defaultDeadline().isZero()) {
      deadline = Deadline.after(settings.limits().defaultDeadline().toNanos(), TimeUnit.NANOSECONDS);
      byDefault = true;
    }
    this.defaultDeadline = byDefault;
    this.options = deadline == null ? CallOptions.DEFAULT : CallOptions.DEFAULT.withDeadline(deadline);
    if (retryPolicy.maxAttempts() > 1 && !forced) { // a forced call is never retried: nothing to keep
      this.buffer = new RequestBuffer(retryPolicy.bufferLimitBytes());
    }
    this.tried.add(first.backend());
    this.current = new Attempt(first);
    this.toBackend = new FlowGate(() -> current.call.isReady(), () -> {
      resilience.memory().release(heldIn.getAndSet(0));
      serverCall.request(1);
    });
    this.toClient = new FlowGate(serverCall::isReady, () -> {
      resilience.memory().release(heldOut.getAndSet(0));
      current.call.request(1);
    });
    resilience.budget().callStarted();
  }

  /** Starts the first attempt and returns the listener for the client's side. */
  ServerCall.Listener<byte[]> start(Metadata headers) {
    this.requestHeaders = ForwardedHeaders.strip(headers);
    resilience.calls().joined(this);
    Attempt first = current;
    listener.onCallStarted(first.backend.name(), fullMethod);
    try {
      synchronized (this) {
        first.start();
      }
    } catch (RuntimeException e) {
      resilience.calls().left(this);
      throw e;
    }
    shadow = shadows.maybeStart(serverCall.getMethodDescriptor(), first.backend, requestHeaders, options);
    serverCall.request(1);
    return new Requests();
  }

  /** Client to backend. */
  private final class Requests extends ServerCall.Listener<byte[]> {
    @Override
    public void onMessage(byte[] message) {
      bytesIn += message.length;
      long hold = resilience.memory().tryHold(message.length);
      if (hold < 0) {
        refuse(RouterErrors.messageMemoryFull("request", message.length, resilience.memory().limit()));
        return;
      }
      // The primary first, its shadow copy after: the copy's framing and write must not delay the primary's.
      if (committed) {
        keep(heldIn, hold);
        current.call.sendMessage(message);
      } else {
        synchronized (ProxyCall.this) {
          if (buffer != null && buffer.add(message)) {
            bufferHeld += hold; // kept for a retry: held until the buffer goes
          } else {
            if (buffer != null) {
              dropBuffer(); // too much to keep: this call will not be retried
              resilience.retries().skipped(RetryStats.Skipped.BUFFER_LIMIT);
            }
            keep(heldIn, hold);
          }
          current.call.sendMessage(message);
        }
      }
      if (shadow != null) {
        shadow.onRequest(message);
      }
      toBackend.afterSend();
    }

    @Override
    public void onHalfClose() {
      if (refusal != null) {
        return; // the attempt is cancelled; its onClose ends the call
      }
      if (committed) {
        current.call.halfClose();
      } else {
        synchronized (ProxyCall.this) {
          halfClosed = true;
          current.call.halfClose();
        }
      }
      if (shadow != null) {
        shadow.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      // The client went away, its deadline passed, or the transport refused a message: either way the
      // client will read nothing more from this call, and the backend's work is no longer wanted.
      clientGone = true;
      Status closed = CloseStatusTracer.closeStatus(serverContext);
      Deadline deadline = serverContext.getDeadline();
      Status.Code code = closed != null && !closed.isOk() ? closed.getCode()
          : deadline != null && deadline.isExpired() ? Status.Code.DEADLINE_EXCEEDED : Status.Code.CANCELLED;
      Attempt attempt;
      synchronized (ProxyCall.this) {
        committed = true;
        dropBuffer();
        attempt = current;
      }
      attempt.call.cancel(RouterErrors.PREFIX + "the client's call ended (" + code + ")", null);
      if (shadow != null) {
        shadow.onPrimaryCancelled();
      }
      finish(attempt, code, code != Status.Code.CANCELLED && code != Status.Code.DEADLINE_EXCEEDED);
    }

    @Override
    public void onReady() {
      toClient.onSinkReady();
    }
  }

  /** One try on one backend: the backend side's call and its listener (backend to client). */
  private final class Attempt extends ClientCall.Listener<byte[]> {
    final Backend backend;
    /** Why the route chose this backend, and its share of the weights in force then. */
    final RouteCause cause;
    final double share;
    final ClientCall<byte[], byte[]> call;
    /** Confined to this listener's (serialized) callbacks. */
    private boolean headersSent;

    Attempt(Selection selection) {
      this.backend = selection.backend();
      this.cause = selection.cause();
      this.share = selection.share();
      // Made outside the server call's context: the backend call's deadline and cancellation are carried
      // explicitly (options, Requests.onCancel), not by implicit context inheritance, so that closing the
      // server call at the end never reaches back into the backend call.
      Context previous = Context.ROOT.attach();
      try {
        this.call = backend.channel().newCall(serverCall.getMethodDescriptor(), options);
      } finally {
        Context.ROOT.detach(previous);
      }
    }

    /** Starts the call with a copy of the request headers. Under the lock. */
    void start() {
      Metadata headers = requestHeaders;
      if (retryPolicy.maxAttempts() > 1) {
        headers = new Metadata();
        headers.merge(requestHeaders); // the transport adds to the headers it is given; each attempt needs its own
      }
      call.start(this, headers);
      call.request(1);
    }

    @Override
    public void onHeaders(Metadata headers) {
      if (!committed) {
        synchronized (ProxyCall.this) {
          committed = true;
          dropBuffer();
        }
      }
      serverCall.sendHeaders(ForwardedHeaders.responseHeaders(headers, backend.name()));
      headersSent = true;
    }

    @Override
    public void onMessage(byte[] message) {
      bytesOut += message.length;
      long hold = resilience.memory().tryHold(message.length);
      if (hold < 0) {
        refuse(RouterErrors.messageMemoryFull("response", message.length, resilience.memory().limit()));
        return;
      }
      keep(heldOut, hold);
      if (shadow != null) {
        shadow.onPrimaryResponse(message);
      }
      if (observed && firstResponse == null && message.length <= MessageRecorder.KEPT_MESSAGE_BYTES) {
        firstResponse = message;
      }
      serverCall.sendMessage(message);
      toClient.afterSend();
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      if (clientGone || this != current) {
        return;
      }
      Status refused = refusal;
      if (refused != null) {
        if (!headersSent) {
          serverCall.sendHeaders(ForwardedHeaders.responseHeaders(new Metadata(), backend.name()));
          headersSent = true;
        }
        serverCall.close(refused, new Metadata());
        finish(this, refused.getCode(), true);
        return;
      }
      if (!headersSent && retry(this, status)) {
        return;
      }
      if (!headersSent) {
        // A trailers-only answer (typically an error): still tell the client which backend gave it.
        serverCall.sendHeaders(ForwardedHeaders.responseHeaders(new Metadata(), backend.name()));
        headersSent = true;
      }
      Status local = RouterErrors.fromRouterChannel(status, backend.name(), backend.target(), maxMessageBytes);
      if (local == null && defaultDeadline && status.getCode() == Status.Code.DEADLINE_EXCEEDED
          && options.getDeadline() != null && options.getDeadline().isExpired()) {
        local = RouterErrors.defaultDeadlineExceeded(backend.name(), resilience.settings().get().limits().defaultDeadline());
      }
      if (local != null && panicAtStart) {
        local = RouterErrors.inPanic(local);
      }
      if (local != null && forced) {
        local = RouterErrors.forced(local);
      }
      serverCall.close(local != null ? local : status, ForwardedHeaders.strip(trailers));
      finish(this, status.getCode(), local != null);
    }

    @Override
    public void onReady() {
      if (this == current) {
        toBackend.onSinkReady();
      }
    }
  }

  /**
   * Starts the next attempt if {@code failed} may be retried: it is the current attempt of an uncommitted
   * call, it failed with a retryable code before any response header, attempts are left, the request
   * messages were all kept, the deadline has not passed, the budget allows a retry and the route admits a
   * backend -- another one than those tried whenever there is one, healthy or not (see {@link Route#select}).
   *
   * @return true when a new attempt took over
   */
  private boolean retry(Attempt failed, Status status) {
    Status.Code code = status.getCode();
    synchronized (this) {
      if (forced || committed || clientGone || refusal != null || failed != current
          || tried.size() >= retryPolicy.maxAttempts() || !retryPolicy.retryable(fullMethod, code)) {
        return false;
      }
      if (buffer == null) {
        return false; // counted as BUFFER_LIMIT when the buffer gave up
      }
      Deadline deadline = options.getDeadline();
      if (deadline != null && deadline.isExpired()) {
        return false;
      }
      if (!resilience.budget().tryStartRetry(retryPolicy.budgetPercent(), retryPolicy.budgetMinConcurrency())) {
        resilience.retries().skipped(RetryStats.Skipped.BUDGET);
        return false;
      }
      Selection next = route.select(fullMethod, requestHeaders, tried);
      if (next.refusal() != Selection.Refusal.NONE) {
        resilience.budget().retriesFinished(1);
        return false;
      }
      retriesTaken++;
      if (first == null) {
        first = new EndedAttempt(failed, code);
      }
      resilience.retries().retried(failed.backend.name(), code);
      resilience.attempts().accept(failed.backend, code);
      failed.backend.release();
      listener.onCallRerouted(failed.backend.name(), next.backend().name(), fullMethod);
      tried.add(next.backend());
      Attempt attempt = new Attempt(next);
      current = attempt;
      attempt.start();
      if (current != attempt || buffer == null) {
        // It failed at once, inside start() (e.g. its channel is in TRANSIENT_FAILURE), and from there either
        // a later attempt took over or, with no retry left, it ended the call (which dropped the buffer).
        return true;
      }
      for (byte[] message : buffer.messages()) {
        attempt.call.sendMessage(message);
      }
      if (halfClosed) {
        attempt.call.halfClose();
      }
      return true;
    }
  }

  /**
   * Ends the call with {@code status} because a message found no room in MessageMemory: the message is not
   * forwarded, the attempt is cancelled, and its onClose closes the client's call with {@code status}.
   */
  /**
   * Ends the call with {@code status} if {@code backend} serves it now (its current attempt's backend), as
   * {@link #refuse} does. Any thread.
   *
   * @return whether it was ended by this
   */
  @Override
  public boolean endIfServedBy(String backend, Status status) {
    synchronized (this) {
      if (finished.get() || refusal != null || !current.backend.name().equals(backend)) {
        return false;
      }
    }
    refuse(status);
    return true;
  }

  private void refuse(Status status) {
    Attempt attempt;
    synchronized (this) {
      if (refusal != null) {
        return;
      }
      refusal = status;
      committed = true;
      dropBuffer();
      attempt = current;
    }
    attempt.call.cancel(status.getDescription(), null);
  }

  /**
   * Records the memory held for the message now in the router's hands. A call that has already finished
   * (the other side ended it meanwhile) has released its slots, so this one is given back at once.
   */
  private void keep(AtomicLong slot, long hold) {
    slot.set(hold);
    if (finished.get()) {
      resilience.memory().release(slot.getAndSet(0));
    }
  }

  /** Lets go of the retry buffer and of the memory its messages held. Under the lock. */
  private void dropBuffer() {
    buffer = null;
    resilience.memory().release(bufferHeld);
    bufferHeld = 0;
  }

  private record EndedAttempt(Attempt attempt, Status.Code code) {}

  /** Reports the outcome and releases the backend of the last attempt, once, whichever side ends the call first. */
  private void finish(Attempt last, Status.Code code, boolean routerError) {
    if (!finished.compareAndSet(false, true)) {
      return;
    }
    resilience.calls().left(this);
    int attempts;
    int retries;
    EndedAttempt replaced;
    synchronized (this) {
      committed = true;
      dropBuffer();
      attempts = tried.size();
      retries = retriesTaken;
      replaced = first;
    }
    resilience.memory().release(heldIn.getAndSet(0));
    resilience.memory().release(heldOut.getAndSet(0));
    last.backend.release();
    if (shadow != null) {
      shadow.onPrimaryEnd(last.backend.name(), code);
    }
    byte[] answer = firstResponse;
    if (observed && code == Status.Code.OK && answer != null) {
      shadows.sink().served(last.backend.name(), answer);
    }
    resilience.attempts().accept(last.backend, code);
    resilience.budget().retriesFinished(retries);
    resilience.budget().callFinished();
    CallOutcome.FirstAttempt firstAttempt = replaced == null
        ? new CallOutcome.FirstAttempt(last.backend.name(), last.share, code)
        : new CallOutcome.FirstAttempt(replaced.attempt.backend.name(), replaced.attempt.share, replaced.code);
    listener.onCallFinished(new CallOutcome(last.backend.name(), fullMethod, code, routerError, startTime,
        System.nanoTime() - startNanos, bytesIn, bytesOut, peer, attempts, last.cause, last.share, firstAttempt));
  }
}
