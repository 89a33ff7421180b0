package dev.siskin.router.e2e;

import dev.siskin.proto.v1.Feature;
import dev.siskin.proto.v1.PredictRequest;
import dev.siskin.proto.v1.PredictResponse;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Predict calls through the router, each telling which backend answered, twice: the {@code x-canary-backend}
 * header the router adds and the {@code model_version} the model server puts in its response. Thread-safe
 * (one channel, any number of calls).
 */
final class PredictClient implements AutoCloseable {
  static final Metadata.Key<String> BACKEND_HEADER =
      Metadata.Key.of("x-canary-backend", Metadata.ASCII_STRING_MARSHALLER);

  /** The seed's documented request: row 1 of the Iris data, a setosa. */
  static final PredictRequest SEED_REQUEST = request(5.1, 3.5, 1.4, 0.2);

  /** Fails validation at the model server (petal_width is missing): INVALID_ARGUMENT from the backend. */
  static final PredictRequest MISSING_FEATURE_REQUEST = PredictRequest.newBuilder()
      .addFeatures(feature("sepal_length", 5.1)).addFeatures(feature("sepal_width", 3.5))
      .addFeatures(feature("petal_length", 1.4)).build();

  /** One finished call: status, backend per header (null when absent), response (null unless OK), times. */
  record Outcome(Status status, String backend, PredictResponse response, long startNanos, long endNanos) {
    boolean ok() {
      return status.isOk();
    }

    /** The model_version of the response, or null when the call failed. */
    String modelVersion() {
      return response == null ? null : response.getModelVersion();
    }
  }

  private final ManagedChannel channel;

  PredictClient(int port) {
    this.channel = Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
        .build();
  }

  static PredictRequest request(double sepalLength, double sepalWidth, double petalLength, double petalWidth) {
    return PredictRequest.newBuilder().addAllFeatures(List.of(feature("sepal_length", sepalLength),
        feature("sepal_width", sepalWidth), feature("petal_length", petalLength),
        feature("petal_width", petalWidth))).build();
  }

  private static Feature feature(String name, double value) {
    return Feature.newBuilder().setName(name).setValue(value).build();
  }

  ManagedChannel channel() {
    return channel;
  }

  /** Starts one call (deadline 30 s); the future completes when it closes, whatever the status. */
  CompletableFuture<Outcome> start(PredictRequest request) {
    return start(request, new Metadata());
  }

  /** As {@link #start(PredictRequest)}, with these request headers. */
  CompletableFuture<Outcome> start(PredictRequest request, Metadata headers) {
    CompletableFuture<Outcome> done = new CompletableFuture<>();
    ClientCall<PredictRequest, PredictResponse> call = channel.newCall(PredictionServiceGrpc.getPredictMethod(),
        CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS));
    long start = System.nanoTime();
    call.start(new ClientCall.Listener<>() {
      // Written and read on the call's serialized callback executor: no further synchronization needed.
      private String backend;
      private PredictResponse response;

      @Override
      public void onHeaders(Metadata headers) {
        backend = headers.get(BACKEND_HEADER);
      }

      @Override
      public void onMessage(PredictResponse message) {
        response = message;
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        // A trailers-only answer (an error without headers) carries the header in the trailers.
        String name = backend != null ? backend : trailers.get(BACKEND_HEADER);
        done.complete(new Outcome(status, name, response, start, System.nanoTime()));
      }
    }, headers);
    call.request(2);
    call.sendMessage(request);
    call.halfClose();
    return done;
  }

  /** One call, waited for. */
  Outcome call(PredictRequest request) throws InterruptedException {
    return call(request, new Metadata());
  }

  /** One call with these request headers, waited for. */
  Outcome call(PredictRequest request, Metadata headers) throws InterruptedException {
    try {
      return start(request, headers).get(60, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("call did not close within 60 s", e);
    }
  }

  /** {@code calls} calls with at most {@code inFlight} outstanding at a time, tallied as they close. */
  Tally run(int calls, int inFlight, PredictRequest request) throws InterruptedException {
    Tally tally = new Tally();
    Semaphore permits = new Semaphore(inFlight);
    for (int i = 0; i < calls; i++) {
      if (!permits.tryAcquire(60, TimeUnit.SECONDS)) {
        throw new AssertionError("no call closed within 60 s; tally so far " + tally);
      }
      start(request).whenComplete((outcome, error) -> {
        tally.add(outcome);
        permits.release();
      });
    }
    if (!permits.tryAcquire(inFlight, 60, TimeUnit.SECONDS)) {
      throw new AssertionError("calls still open after 60 s; tally so far " + tally);
    }
    return tally;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }
}
