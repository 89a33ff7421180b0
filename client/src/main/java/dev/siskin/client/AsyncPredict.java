package dev.siskin.client;

import dev.siskin.proto.v1.PredictRequest;
import dev.siskin.proto.v1.PredictResponse;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Starts one Predict call without waiting for it and reports how it ended, with the backend that served it
 * ({@link BackendHeader}). The commands that keep many calls in flight share it, so that they read the answer
 * and the header the same way.
 */
public final class AsyncPredict {
  /** How one call ended; called once, on a gRPC callback thread. */
  @FunctionalInterface
  public interface Outcome {
    /**
     * @param backend  the {@code x-canary-backend} of the answer, {@link BackendHeader#NONE} when absent
     * @param status   OK, or why the call failed
     * @param response the answer; null when the call failed
     */
    void ended(String backend, Status status, PredictResponse response);
  }

  private AsyncPredict() {}

  /** Sends {@code request} with {@code headers} and {@code deadline}; {@code outcome} is told the result. */
  public static void start(Channel channel, PredictRequest request, Metadata headers, Duration deadline,
      Outcome outcome) {
    BackendHeader header = new BackendHeader();
    PredictionServiceGrpc.newStub(channel)
        .withInterceptors(header.interceptor(), MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)
        .predict(request, new StreamObserver<>() {
          private PredictResponse response;

          @Override
          public void onNext(PredictResponse value) {
            response = value;
          }

          @Override
          public void onError(Throwable t) {
            outcome.ended(header.backend(), Status.fromThrowable(t), null);
          }

          @Override
          public void onCompleted() {
            outcome.ended(header.backend(), Status.OK,
                response == null ? PredictResponse.getDefaultInstance() : response);
          }
        });
  }
}
