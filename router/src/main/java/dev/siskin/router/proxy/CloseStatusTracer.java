package dev.siskin.router.proxy;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;

/**
 * Remembers the status with which the transport closed a client's stream. When grpc-java ends a call on its
 * own -- a request over the size limit, a deadline, a reset -- the handler only hears {@code onCancel()},
 * without the reason; this tracer, put into the call's context, supplies it for the call's outcome.
 *
 * <p>Thread-safety: written once by the transport before it notifies the handler, read after; volatile.
 */
final class CloseStatusTracer extends ServerStreamTracer {
  private static final Context.Key<CloseStatusTracer> KEY = Context.key("siskin-close-status");

  /** Installs one tracer per call on the server. */
  static final ServerStreamTracer.Factory FACTORY = new ServerStreamTracer.Factory() {
    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
      return new CloseStatusTracer();
    }
  };

  private volatile Status closed;

  @Override
  public Context filterContext(Context context) {
    return context.withValue(KEY, this);
  }

  @Override
  public void streamClosed(Status status) {
    closed = status;
  }

  /** The status the transport closed the current call's stream with, or null when not known (yet). */
  static Status closeStatus(Context callContext) {
    CloseStatusTracer tracer = KEY.get(callContext);
    return tracer == null ? null : tracer.closed;
  }
}
