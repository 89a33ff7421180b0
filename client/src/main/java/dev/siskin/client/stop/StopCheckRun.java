package dev.siskin.client.stop;

import dev.siskin.client.CliException;
import dev.siskin.client.GrpcErrors;
import dev.siskin.proto.v1.PredictRequest;
import dev.siskin.proto.v1.PredictResponse;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Keeps C Predict calls in flight against a target that is being stopped, until its port refuses a connection
 * (it has stopped listening), or at most N calls or T have passed; then waits for the calls in flight.
 *
 * <p>A target that stops cleanly answers every call it took; once it stops listening, a new call fails before
 * anything is sent (UNAVAILABLE, caused by the refused connection), which loses nothing: the caller knows
 * the call never ran and may send it elsewhere. Any other failure is a call the target accepted and did not
 * serve, or that a closing connection cut. The two are told apart by the cause, which gRPC sets only for
 * failures on this side: a status the server sent has none.
 */
public final class StopCheckRun {
  private final Channel channel;
  private final PredictRequest request;
  private final long maxCalls;
  private final int concurrency;
  private final Duration deadline;
  private final Duration maxTime;

  private final Semaphore permits;
  private final LongAdder succeeded = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final Map<Status.Code, LongAdder> failed = new ConcurrentHashMap<>();
  private volatile String firstFailure;

  public StopCheckRun(Channel channel, PredictRequest request, long maxCalls, int concurrency, Duration deadline,
      Duration maxTime) {
    if (maxCalls < 1) {
      throw new IllegalArgumentException("maxCalls: " + maxCalls + " (expected: >= 1)");
    }
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency: " + concurrency + " (expected: >= 1)");
    }
    this.channel = channel;
    this.request = request;
    this.maxCalls = maxCalls;
    this.concurrency = concurrency;
    this.deadline = deadline;
    this.maxTime = maxTime;
    this.permits = new Semaphore(concurrency);
  }

  /** True when a failed call never reached the target: the connection to it was refused. */
  static boolean refusedBeforeSending(Status status) {
    if (status.getCode() != Status.Code.UNAVAILABLE) {
      return false;
    }
    for (Throwable t = status.getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ConnectException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Runs until the target refuses a connection or the bounds run out, and returns once every call has ended.
   *
   * @param onFirstSuccess run once, on the calling thread, soon after the first call has ended OK: from then on
   *                       the target may be stopped
   */
  public StopCheckResult run(Runnable onFirstSuccess) throws InterruptedException {
    long start = System.nanoTime();
    long end = start + maxTime.toNanos();
    long sent = 0;
    boolean announced = false;
    while (sent < maxCalls && refused.sum() == 0 && System.nanoTime() < end) {
      if (!announced && succeeded.sum() > 0) {
        onFirstSuccess.run();
        announced = true;
      }
      if (permits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
        startCall();
        sent++;
      }
    }
    boolean stopped = refused.sum() > 0;
    // Every call has a deadline, so all permits come back; the margin covers a stalled callback executor.
    long waitLimitMs = deadline.toMillis() + 30_000;
    if (!permits.tryAcquire(concurrency, waitLimitMs, TimeUnit.MILLISECONDS)) {
      throw new CliException((concurrency - permits.availablePermits()) + " calls did not complete within "
          + waitLimitMs + " ms although each had a " + deadline.toMillis() + " ms deadline");
    }
    Map<Status.Code, Long> failedByCode = new TreeMap<>();
    failed.forEach((code, n) -> failedByCode.put(code, n.sum()));
    return new StopCheckResult(sent, succeeded.sum(), refused.sum(), failedByCode, firstFailure,
        Duration.ofNanos(System.nanoTime() - start), stopped);
  }

  private void startCall() {
    PredictionServiceGrpc.newStub(channel)
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .predict(request, new StreamObserver<>() {
          @Override
          public void onNext(PredictResponse value) {}

          @Override
          public void onError(Throwable t) {
            Status status = Status.fromThrowable(t);
            if (refusedBeforeSending(status)) {
              refused.increment();
            } else {
              failed.computeIfAbsent(status.getCode(), c -> new LongAdder()).increment();
              if (firstFailure == null) {
                firstFailure = GrpcErrors.statusText(status);
              }
            }
            permits.release();
          }

          @Override
          public void onCompleted() {
            succeeded.increment();
            permits.release();
          }
        });
  }
}
