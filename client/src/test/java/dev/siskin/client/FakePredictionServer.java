package dev.siskin.client;

import dev.siskin.proto.v1.Feature;
import dev.siskin.proto.v1.HealthRequest;
import dev.siskin.proto.v1.HealthResponse;
import dev.siskin.proto.v1.PredictRequest;
import dev.siskin.proto.v1.PredictResponse;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-JVM stand-in for the router in front of two model servers, on an ephemeral loopback port.
 * Call i (0-based) is "served" by backend v1 (model v1.0.0) when i is even and by v2 (v2.0.0) when odd, so any
 * even number of calls splits exactly 50/50. One with the router's rules honours {@code x-canary-backend} (the
 * named backend serves the call) and {@code x-user-id} (keys ending in an even digit go to v1, others to v2). Every {@code failEvery}-th call fails with RESOURCE_EXHAUSTED.
 * One that stops by itself serves {@code stopAfter} Predict calls, fails the next {@code failingBeforeStop} with
 * UNAVAILABLE (as a router does whose backends are gone) and then shuts down gracefully: the calls it took
 * complete, later ones find the port closed.
 * One that answers late holds every Predict answer for a fixed delay (a slow backend).
 * Thread-safe: the call counter is atomic and the settings are final.
 */
final class FakePredictionServer implements AutoCloseable {
  private static final Context.Key<String> BACKEND = Context.key("backend");

  private final Server server;
  private final AtomicLong calls = new AtomicLong();
  // Answers the calls of a slow server later, without holding a gRPC thread per call.
  private final ScheduledExecutorService delayer = Executors.newSingleThreadScheduledExecutor();

  static final Metadata.Key<String> USER = Metadata.Key.of("x-user-id", Metadata.ASCII_STRING_MARSHALLER);

  private FakePredictionServer(boolean withBackendHeader, int failEvery, String healthStatus) throws IOException {
    this(withBackendHeader, failEvery, healthStatus, 0, 0, false);
  }

  private FakePredictionServer(boolean withBackendHeader, int failEvery, String healthStatus, long stopAfter,
      long failingBeforeStop, boolean rules) throws IOException {
    this(withBackendHeader, failEvery, healthStatus, stopAfter, failingBeforeStop, rules, 0);
  }

  private FakePredictionServer(boolean withBackendHeader, int failEvery, String healthStatus, long stopAfter,
      long failingBeforeStop, boolean rules, long answerDelayMillis) throws IOException {
    ServerInterceptor pickBackend = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                        ServerCallHandler<Q, R> next) {
        String alternate = calls.getAndIncrement() % 2 == 0 ? "v1" : "v2";
        String forced = headers.get(BackendHeader.KEY);
        String key = headers.get(USER);
        String backend = !rules ? alternate : forced != null ? forced
            : key != null ? ((key.charAt(key.length() - 1) - '0') % 2 == 0 ? "v1" : "v2") : alternate;
        ServerCall<Q, R> tagged = !withBackendHeader ? call : new SimpleForwardingServerCall<>(call) {
          private boolean headersSent;

          @Override
          public void sendHeaders(Metadata responseHeaders) {
            headersSent = true;
            responseHeaders.put(BackendHeader.KEY, backend);
            super.sendHeaders(responseHeaders);
          }

          @Override
          public void close(Status status, Metadata trailers) {
            if (!headersSent) {
              trailers.put(BackendHeader.KEY, backend); // trailers-only response, as the router sends on errors
            }
            super.close(status, trailers);
          }
        };
        return Contexts.interceptCall(Context.current().withValue(BACKEND, backend), tagged, headers, next);
      }
    };
    PredictionServiceGrpc.PredictionServiceImplBase service = new PredictionServiceGrpc.PredictionServiceImplBase() {
      private final AtomicLong predictions = new AtomicLong();

      @Override
      public void predict(PredictRequest request, StreamObserver<PredictResponse> responses) {
        long n = predictions.incrementAndGet();
        if (stopAfter > 0 && n > stopAfter && n <= stopAfter + failingBeforeStop) {
          responses.onError(Status.UNAVAILABLE.withDescription("fake: no backend").asRuntimeException());
          if (n == stopAfter + failingBeforeStop) {
            stopGracefully();
          }
          return;
        }
        if (stopAfter > 0 && n == stopAfter && failingBeforeStop == 0) {
          stopGracefully();
        }
        if (failEvery > 0 && n % failEvery == 0) {
          responses.onError(Status.RESOURCE_EXHAUSTED.withDescription("fake overload").asRuntimeException());
          return;
        }
        for (Feature f : request.getFeaturesList()) {
          if (f.getValue() <= 0) { // as the model server refuses it
            responses.onError(Status.INVALID_ARGUMENT.withDescription("feature '" + f.getName() + "' is "
                + f.getValue() + " (expected: a length in cm greater than 0)").asRuntimeException());
            return;
          }
        }
        String backend = BACKEND.get();
        Runnable answer = () -> {
          responses.onNext(PredictResponse.newBuilder().setPrediction("setosa").setConfidence(0.97)
              .setModelVersion(backend.equals("v1") ? "v1.0.0" : "v2.0.0").build());
          responses.onCompleted();
        };
        if (answerDelayMillis > 0) {
          delayer.schedule(answer, answerDelayMillis, TimeUnit.MILLISECONDS);
        } else {
          answer.run();
        }
      }

      @Override
      public void health(HealthRequest request, StreamObserver<HealthResponse> responses) {
        responses.onNext(HealthResponse.newBuilder().setStatus(healthStatus).setModelVersion("v1.0.0").build());
        responses.onCompleted();
      }
    };
    server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(ServerInterceptors.intercept(service, pickBackend))
        .build()
        .start();
  }

  /** Alternating v1/v2 with the router's header, no failures, health "ok". */
  static FakePredictionServer router() throws IOException {
    return new FakePredictionServer(true, 0, "ok");
  }

  static FakePredictionServer routerFailingEvery(int failEvery) throws IOException {
    return new FakePredictionServer(true, failEvery, "ok");
  }

  /** Serves {@code calls} Predict calls, fails the next {@code failing} with UNAVAILABLE, then stops. */
  static FakePredictionServer stoppingAfter(long calls, long failing) throws IOException {
    return new FakePredictionServer(true, 0, "SERVING", calls, failing, false);
  }

  /** A router that honours the force header and the sticky key (see the class comment). */
  static FakePredictionServer routerWithRules() throws IOException {
    return new FakePredictionServer(true, 0, "ok", 0, 0, true);
  }

  /** Like {@link #router()}, but every Predict answer comes {@code delayMillis} after the call arrived. */
  static FakePredictionServer routerAnsweringAfter(long delayMillis) throws IOException {
    return new FakePredictionServer(true, 0, "ok", 0, 0, false, delayMillis);
  }

  /** A model server called directly: no x-canary-backend header. */
  static FakePredictionServer modelServer(String healthStatus) throws IOException {
    return new FakePredictionServer(false, 0, healthStatus);
  }

  /** Calls received so far (Predict and Health). */
  long callsReceived() {
    return calls.get();
  }

  String target() {
    return "127.0.0.1:" + server.getPort();
  }

  /** Stops taking calls and closes the port; the calls it took still complete. Returns at once. */
  private void stopGracefully() {
    server.shutdown();
  }

  @Override
  public void close() throws InterruptedException {
    delayer.shutdownNow();
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
