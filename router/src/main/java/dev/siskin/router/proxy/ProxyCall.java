package dev.siskin.router.proxy;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.observe.CallListener;
import dev.siskin.router.observe.CallOutcome;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client call forwarded to one backend: the server call (client side) paired with a client call (backend
 * side), messages passed through as bytes with backpressure both ways.
 *
 * <p>What crosses: request headers (minus transport-owned ones), the deadline, every request message,
 * half-close and cancellation towards the backend; response headers (plus {@code x-canary-backend}), every
 * response message, the status code and description and the trailers (incl. {@code -bin}) towards the client.
 *
 * <p>Threading: grpc-java serializes the callbacks of each listener, but the two listeners run on different
 * threads. So each side's call object is used only from the OTHER side's listener -- the backend call from
 * {@link Requests}, the client's server call from {@link Responses} -- except {@code request(n)}, which may
 * be called from any thread. {@link FlowGate} hands demand across; {@link #finish} is once-only by CAS.
 */
final class ProxyCall {
  private final ServerCall<byte[], byte[]> serverCall;
  private final Backend backend;
  private final CallListener listener;
  private final int maxMessageBytes;
  private final String fullMethod;
  private final Context serverContext;
  private final long startNanos;
  private final Instant startTime;
  private final String peer;
  private final ClientCall<byte[], byte[]> clientCall;
  private final FlowGate toBackend;
  private final FlowGate toClient;
  private final AtomicBoolean finished = new AtomicBoolean();
  /**
   * Set once the client's side was cancelled. From then on nothing is written to the server call: the
   * transport is closing the stream with its own status (e.g. RESOURCE_EXHAUSTED for a message over the
   * limit), which a late close of ours must not overtake.
   */
  private volatile boolean clientGone;
  /** Written only by the Requests thread. */
  private volatile long bytesIn;
  /** Written only by the Responses thread. */
  private volatile long bytesOut;

  ProxyCall(ServerCall<byte[], byte[]> serverCall, Backend backend, CallListener listener, int maxMessageBytes,
      long startNanos, Instant startTime, String peer) {
    this.serverCall = serverCall;
    this.backend = backend;
    this.listener = listener;
    this.maxMessageBytes = maxMessageBytes;
    this.fullMethod = serverCall.getMethodDescriptor().getFullMethodName();
    this.startNanos = startNanos;
    this.startTime = startTime;
    this.peer = peer;
    this.serverContext = Context.current();
    CallOptions options = CallOptions.DEFAULT;
    Deadline deadline = serverContext.getDeadline();
    if (deadline != null) {
      options = options.withDeadline(deadline);
    }
    // Made outside the server call's context: the backend call's deadline and cancellation are carried
    // explicitly (options above, Requests.onCancel), not by implicit context inheritance, so that closing
    // the server call at the end never reaches back into the backend call.
    Context previous = Context.ROOT.attach();
    try {
      this.clientCall = backend.channel().newCall(serverCall.getMethodDescriptor(), options);
    } finally {
      Context.ROOT.detach(previous);
    }
    this.toBackend = new FlowGate(clientCall::isReady, () -> serverCall.request(1));
    this.toClient = new FlowGate(serverCall::isReady, () -> clientCall.request(1));
  }

  /** Starts the backend call and returns the listener for the client's side. */
  ServerCall.Listener<byte[]> start(Metadata requestHeaders) {
    listener.onCallStarted(backend.name(), fullMethod);
    clientCall.start(new Responses(), ForwardedHeaders.strip(requestHeaders));
    serverCall.request(1);
    clientCall.request(1);
    return new Requests();
  }

  /** Client to backend. */
  private final class Requests extends ServerCall.Listener<byte[]> {
    @Override
    public void onMessage(byte[] message) {
      bytesIn += message.length;
      clientCall.sendMessage(message);
      toBackend.afterSend();
    }

    @Override
    public void onHalfClose() {
      clientCall.halfClose();
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
      clientCall.cancel(RouterErrors.PREFIX + "the client's call ended (" + code + ")", null);
      finish(code, code != Status.Code.CANCELLED && code != Status.Code.DEADLINE_EXCEEDED);
    }

    @Override
    public void onReady() {
      toClient.onSinkReady();
    }
  }

  /** Backend to client. */
  private final class Responses extends ClientCall.Listener<byte[]> {
    /** Confined to this listener's (serialized) callbacks. */
    private boolean headersSent;

    @Override
    public void onHeaders(Metadata headers) {
      serverCall.sendHeaders(ForwardedHeaders.responseHeaders(headers, backend.name()));
      headersSent = true;
    }

    @Override
    public void onMessage(byte[] message) {
      bytesOut += message.length;
      serverCall.sendMessage(message);
      toClient.afterSend();
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      if (clientGone) {
        return;
      }
      if (!headersSent) {
        // A trailers-only answer (typically an error): still tell the client which backend gave it.
        serverCall.sendHeaders(ForwardedHeaders.responseHeaders(new Metadata(), backend.name()));
        headersSent = true;
      }
      Status local = RouterErrors.fromRouterChannel(status, backend.name(), backend.target(), maxMessageBytes);
      serverCall.close(local != null ? local : status, ForwardedHeaders.strip(trailers));
      finish(status.getCode(), local != null);
    }

    @Override
    public void onReady() {
      toBackend.onSinkReady();
    }
  }

  /** Reports the outcome and releases the backend, once, whichever side ends the call first. */
  private void finish(Status.Code code, boolean routerError) {
    if (!finished.compareAndSet(false, true)) {
      return;
    }
    backend.release();
    listener.onCallFinished(new CallOutcome(backend.name(), fullMethod, code, routerError, startTime,
        System.nanoTime() - startNanos, bytesIn, bytesOut, peer));
  }
}
