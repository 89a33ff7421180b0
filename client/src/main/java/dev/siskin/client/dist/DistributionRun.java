package dev.siskin.client.dist;

import dev.siskin.client.BackendHeader;
import dev.siskin.client.CliException;
import dev.siskin.client.GrpcErrors;
import dev.siskin.proto.v1.PredictRequest;
import dev.siskin.proto.v1.PredictResponse;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Sends N identical Predict calls with at most C in flight and tallies where each one landed.
 * Concurrency is bounded by a semaphore: a permit is taken before a call starts and given back when it
 * completes, so the run never queues more than C calls in the channel however slow the target is.
 */
public final class DistributionRun {
  private final Channel channel;
  private final PredictRequest request;
  private final int calls;
  private final int concurrency;
  private final Duration deadline;

  public DistributionRun(Channel channel, PredictRequest request, int calls, int concurrency, Duration deadline) {
    if (calls < 1) {
      throw new IllegalArgumentException("calls: " + calls + " (expected: >= 1)");
    }
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency: " + concurrency + " (expected: >= 1)");
    }
    this.channel = channel;
    this.request = request;
    this.calls = calls;
    this.concurrency = concurrency;
    this.deadline = deadline;
  }

  /**
   * Runs all calls and returns once every one has completed.
   *
   * @param progress told the number of completed calls, from time to time, on the calling thread
   */
  public DistributionResult run(LongConsumer progress) throws InterruptedException {
    CallTally tally = new CallTally();
    Semaphore permits = new Semaphore(concurrency);
    long start = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      while (!permits.tryAcquire(200, TimeUnit.MILLISECONDS)) {
        progress.accept(tally.completed());
      }
      startCall(tally, permits);
      if (i % 50 == 0) {
        progress.accept(tally.completed());
      }
    }
    // Every call has a deadline, so all permits come back; the margin covers a stalled callback executor.
    long waitLimitMs = deadline.toMillis() + 30_000;
    long waitStart = System.nanoTime();
    while (!permits.tryAcquire(concurrency, 200, TimeUnit.MILLISECONDS)) {
      progress.accept(tally.completed());
      if (TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - waitStart) > waitLimitMs) {
        throw new CliException((concurrency - permits.availablePermits()) + " calls did not complete within "
            + waitLimitMs + " ms although each had a " + deadline.toMillis() + " ms deadline");
      }
    }
    progress.accept(tally.completed());
    return tally.snapshot(calls, Duration.ofNanos(System.nanoTime() - start));
  }

  private void startCall(CallTally tally, Semaphore permits) {
    BackendHeader header = new BackendHeader();
    PredictionServiceGrpc.newStub(channel)
        .withInterceptors(header.interceptor())
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .predict(request, new StreamObserver<>() {
          private PredictResponse response;

          @Override
          public void onNext(PredictResponse value) {
            response = value;
          }

          @Override
          public void onError(Throwable t) {
            Status status = Status.fromThrowable(t);
            tally.failure(header.backend(), status.getCode(), GrpcErrors.statusText(status));
            permits.release();
          }

          @Override
          public void onCompleted() {
            tally.success(header.backend(), response == null ? "" : response.getModelVersion());
            permits.release();
          }
        });
  }
}
