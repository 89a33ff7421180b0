package dev.siskin.router.proxy;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.config.FailureSettings;
import dev.siskin.router.observe.CallListener;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.route.Route;
import dev.siskin.router.route.Selection;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.List;

/**
 * Entry point of every call: asks the {@link Route} for a backend and starts a {@link ProxyCall} to it, or
 * answers itself when there is none (UNAVAILABLE), the backend is at its in-flight limit (RESOURCE_EXHAUSTED)
 * or the force header names no backend (INVALID_ARGUMENT).
 *
 * <p>Thread-safe (immutable); runs on transport threads and never blocks.
 */
public final class ProxyCallHandler implements ServerCallHandler<byte[], byte[]> {
  private final Route route;
  private final CallListener listener;
  private final int maxMessageBytes;
  private final Resilience resilience;
  private final ShadowTraffic shadows;

  /**
   * @param maxMessageBytes the router's message limit, used to recognise its own size errors
   * @param resilience      settings, retry budget and counters, and where attempt results go
   */
  public ProxyCallHandler(Route route, CallListener listener, int maxMessageBytes, Resilience resilience) {
    this(route, listener, maxMessageBytes, resilience, ShadowTraffic.off());
  }

  /** @param shadows decides which calls get a shadow copy, and starts it */
  public ProxyCallHandler(Route route, CallListener listener, int maxMessageBytes, Resilience resilience,
      ShadowTraffic shadows) {
    this.shadows = requireNonNull(shadows, "shadows");
    this.route = requireNonNull(route, "route");
    this.listener = requireNonNull(listener, "listener");
    this.maxMessageBytes = maxMessageBytes;
    this.resilience = requireNonNull(resilience, "resilience");
  }

  /** Must be installed on the server: lets a call's outcome name the status the transport closed it with. */
  public static ServerStreamTracer.Factory streamTracerFactory() {
    return CloseStatusTracer.FACTORY;
  }

  @Override
  public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> serverCall, Metadata headers) {
    long startNanos = System.nanoTime();
    Instant startTime = Instant.now();
    String fullMethod = serverCall.getMethodDescriptor().getFullMethodName();
    String peer = peer(serverCall);
    Selection selection = route.select(fullMethod, headers, List.of());
    if (selection.refusal() != Selection.Refusal.NONE) {
      Status status = RouterErrors.refused(selection, fullMethod);
      listener.onCallStarted(CallOutcomes.NONE, fullMethod);
      serverCall.close(status, new Metadata());
      listener.onCallFinished(new CallOutcome(CallOutcomes.NONE, fullMethod, status.getCode(), true,
          startTime, System.nanoTime() - startNanos, 0, 0, peer, 0, selection.cause(), 0.0));
      return new ServerCall.Listener<>() {};
    }
    FailureSettings settings = resilience.settings().get();
    try {
      return new ProxyCall(serverCall, selection, route, listener, resilience, settings, maxMessageBytes,
          startNanos, startTime, peer, shadows).start(headers);
    } catch (RuntimeException e) {
      // Not expected (starting a call does no I/O), but the admitted backend must not leak an in-flight slot.
      selection.backend().release();
      throw e;
    }
  }

  private static String peer(ServerCall<?, ?> call) {
    SocketAddress address = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    return address == null ? CallOutcomes.NONE : address.toString();
  }
}
