package dev.siskin.router.testing;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real gRPC backend on an ephemeral loopback port, serving grpc's {@code grpc.testing.SimpleService}. What it
 * does is driven by the request message, so every forwarding case can be provoked through the router:
 *
 * <ul>
 *   <li>unary {@code status:CODE:text} fails with that code and text and a {@code x-trailer-bin} trailer;
 *   <li>unary {@code status@NAME:CODE:text} does the same on the backend named NAME and is echoed by the others;
 *   <li>unary {@code size:N} answers N characters; {@code sleep:MS} answers after MS ms ({@code sleep@NAME:MS} on NAME only); anything else is echoed;
 *   <li>server stream {@code count:N:size:S} sends N messages of S characters, only while the call is ready
 *       (so how far it gets ahead of the reader measures the buffering between them); {@code hold} never
 *       answers and waits to be cancelled;
 *   <li>client stream answers {@code <count>:<total characters>}; bidi echoes every message at once.
 * </ul>
 *
 * Request header {@code x-echo-initial} is returned as a response header, {@code x-echo-trailing-bin} as a
 * trailer. It records the last request headers, the deadline it saw, cancellations and messages sent.
 */
public final class TestBackend implements AutoCloseable {
  public static final Metadata.Key<String> ECHO_INITIAL =
      Metadata.Key.of("x-echo-initial", Metadata.ASCII_STRING_MARSHALLER);
  public static final Metadata.Key<byte[]> ECHO_TRAILING_BIN =
      Metadata.Key.of("x-echo-trailing-bin", Metadata.BINARY_BYTE_MARSHALLER);
  public static final Metadata.Key<byte[]> TRAILER_BIN =
      Metadata.Key.of("x-trailer-bin", Metadata.BINARY_BYTE_MARSHALLER);
  public static final Metadata.Key<String> SERVED_BY =
      Metadata.Key.of("x-served-by", Metadata.ASCII_STRING_MARSHALLER);

  private final String name;
  private final Server server;
  /** Null when the backend serves no health service. */
  private final HealthStatusManager health;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  public final AtomicReference<Metadata> lastHeaders = new AtomicReference<>();
  public final AtomicReference<Deadline> lastDeadline = new AtomicReference<>();
  public final AtomicInteger calls = new AtomicInteger();
  public final AtomicInteger unaryHandled = new AtomicInteger();
  public final AtomicLong streamed = new AtomicLong();
  public final CountDownLatch holdStarted = new CountDownLatch(1);
  public final CountDownLatch cancelled = new CountDownLatch(1);

  public TestBackend(String name, int maxMessageBytes) throws IOException {
    this(name, maxMessageBytes, null, new InetSocketAddress("127.0.0.1", 0));
  }

  public TestBackend(String name) throws IOException {
    this(name, 16 << 20);
  }

  /**
   * @param health a {@code grpc.health.v1} service to serve too, or null for none (health checks then get
   *     UNIMPLEMENTED, which the router counts as passing)
   */
  private TestBackend(String name, int maxMessageBytes, HealthStatusManager health, InetSocketAddress address)
      throws IOException {
    this.name = name;
    this.health = health;
    NettyServerBuilder builder = NettyServerBuilder.forAddress(address)
        .maxInboundMessageSize(maxMessageBytes)
        .addService(ServerInterceptors.intercept(new Service(), new Echo()));
    if (health != null) {
      builder.addService(health.getHealthService());
    }
    this.server = builder.build().start();
  }

  /** A backend whose {@code grpc.health.v1} service answers {@code status} for the whole server. */
  public static TestBackend withHealth(String name, HealthCheckResponse.ServingStatus status) throws IOException {
    HealthStatusManager health = new HealthStatusManager();
    return withHealthAt(name, new InetSocketAddress("127.0.0.1", 0), status);
  }

  /** As {@link #withHealth}, bound to {@code address} (e.g. 127.0.0.3 and the port of another backend). */
  public static TestBackend withHealthAt(String name, InetSocketAddress address,
      HealthCheckResponse.ServingStatus status) throws IOException {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
    return new TestBackend(name, 16 << 20, health, address);
  }

  /** The port it listens on. */
  public int port() {
    return server.getPort();
  }

  /** What the health service answers from now on; only for a backend made {@link #withHealth}. */
  public void setHealth(HealthCheckResponse.ServingStatus status) {
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
  }

  public String target() {
    return "127.0.0.1:" + server.getPort();
  }

  public String name() {
    return name;
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(10, TimeUnit.SECONDS);
    timer.shutdownNow();
  }

  private final class Echo implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      calls.incrementAndGet();
      lastHeaders.set(headers);
      lastDeadline.set(Context.current().getDeadline());
      String initial = headers.get(ECHO_INITIAL);
      byte[] trailing = headers.get(ECHO_TRAILING_BIN);
      return next.startCall(new SimpleForwardingServerCall<>(call) {
        @Override
        public void sendHeaders(Metadata responseHeaders) {
          responseHeaders.put(SERVED_BY, name);
          if (initial != null) {
            responseHeaders.put(ECHO_INITIAL, initial);
          }
          super.sendHeaders(responseHeaders);
        }

        @Override
        public void close(Status status, Metadata trailers) {
          if (trailing != null) {
            trailers.put(ECHO_TRAILING_BIN, trailing);
          }
          super.close(status, trailers);
        }
      }, headers);
    }
  }

  private final class Service extends SimpleServiceGrpc.SimpleServiceImplBase {
    @Override
    public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> out) {
      unaryHandled.incrementAndGet();
      String message = request.getRequestMessage();
      if (message.startsWith("status:") || message.startsWith("status@" + name + ":")) {
        String[] parts = message.split(":", 3);
        Metadata trailers = new Metadata();
        trailers.put(TRAILER_BIN, new byte[] {0, 1, 2, (byte) 0xff});
        out.onError(Status.Code.valueOf(parts[1]).toStatus().withDescription(parts[2]).asRuntimeException(trailers));
      } else if (message.startsWith("size:")) {
        out.onNext(reply("x".repeat(Integer.parseInt(message.substring(5)))));
        out.onCompleted();
      } else if (message.startsWith("sleep:") || message.startsWith("sleep@" + name + ":")) {
        ServerCallStreamObserver<SimpleResponse> call = (ServerCallStreamObserver<SimpleResponse>) out;
        call.setOnCancelHandler(cancelled::countDown);
        if (call.isCancelled()) {
          // Cancelled before this handler ran (a short deadline on a loaded machine): grpc never calls the
          // handler set afterwards, but the call did end by cancellation.
          cancelled.countDown();
        }
        timer.schedule(() -> {
          out.onNext(reply("slept"));
          out.onCompleted();
        }, Long.parseLong(message.substring(message.indexOf(':') + 1)), TimeUnit.MILLISECONDS);
      } else {
        out.onNext(reply(message));
        out.onCompleted();
      }
    }

    @Override
    public void serverStreamingRpc(SimpleRequest request, StreamObserver<SimpleResponse> out) {
      ServerCallStreamObserver<SimpleResponse> call = (ServerCallStreamObserver<SimpleResponse>) out;
      String message = request.getRequestMessage();
      if (message.equals("hold")) {
        call.setOnCancelHandler(cancelled::countDown);
        holdStarted.countDown();
        return;
      }
      String[] parts = message.split(":");
      int count = Integer.parseInt(parts[1]);
      SimpleResponse payload = reply("s".repeat(Integer.parseInt(parts[3])));
      AtomicInteger next = new AtomicInteger();
      call.setOnCancelHandler(cancelled::countDown);
      // Sends only while the transport can take more: the backend is as fast as its reader lets it be.
      call.setOnReadyHandler(() -> {
        while (call.isReady() && next.get() < count) {
          call.onNext(payload);
          next.incrementAndGet();
          streamed.incrementAndGet();
        }
        if (next.get() == count && next.getAndIncrement() == count) {
          call.onCompleted();
        }
      });
    }

    @Override
    public StreamObserver<SimpleRequest> clientStreamingRpc(StreamObserver<SimpleResponse> out) {
      return new StreamObserver<>() {
        private int count;
        private long chars;

        @Override
        public void onNext(SimpleRequest value) {
          count++;
          chars += value.getRequestMessage().length();
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          out.onNext(reply(count + ":" + chars));
          out.onCompleted();
        }
      };
    }

    @Override
    public StreamObserver<SimpleRequest> bidiStreamingRpc(StreamObserver<SimpleResponse> out) {
      return new StreamObserver<>() {
        @Override
        public void onNext(SimpleRequest value) {
          out.onNext(reply(value.getRequestMessage()));
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          out.onCompleted();
        }
      };
    }
  }

  private static SimpleResponse reply(String message) {
    return SimpleResponse.newBuilder().setResponseMessage(message).build();
  }
}
