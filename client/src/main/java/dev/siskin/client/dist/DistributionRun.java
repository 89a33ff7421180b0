package dev.siskin.client.dist;

import dev.siskin.client.AsyncPredict;
import dev.siskin.client.CliException;
import dev.siskin.client.GrpcErrors;
import dev.siskin.proto.v1.PredictRequest;
import io.grpc.Channel;
import io.grpc.Metadata;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Sends N identical Predict calls with at most C in flight and tallies where each one landed; with
 * {@link StickyKeys}, call {@code i} carries key {@code i mod K} in the sticky header and the tally also records
 * which backends served each key.
 * Concurrency is bounded by a semaphore: a permit is taken before a call starts and given back when it
 * completes, so the run never queues more than C calls in the channel however slow the target is.
 */
public final class DistributionRun {
  private final Channel channel;
  private final PredictRequest request;
  private final int calls;
  private final int concurrency;
  private final Duration deadline;
  private final StickyKeys keys;

  public DistributionRun(Channel channel, PredictRequest request, int calls, int concurrency, Duration deadline) {
    this(channel, request, calls, concurrency, deadline, null);
  }

  /** @param keys the sticky keys the calls carry, or null for none */
  public DistributionRun(Channel channel, PredictRequest request, int calls, int concurrency, Duration deadline,
      StickyKeys keys) {
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
    this.keys = keys;
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
      startCall(tally, permits, keys == null ? null : keys.keyOf(i));
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
    return tally.snapshot(calls, Duration.ofNanos(System.nanoTime() - start), keys);
  }

  /** @param key the call's sticky key, or null */
  private void startCall(CallTally tally, Semaphore permits, String key) {
    Metadata sent = new Metadata();
    if (key != null) {
      sent.put(keys.header(), key);
    }
    AsyncPredict.start(channel, request, sent, deadline, (backend, status, response) -> {
      if (!status.isOk()) {
        tally.failure(backend, status.getCode(), GrpcErrors.statusText(status));
      } else if (key == null) {
        tally.success(backend, response.getModelVersion());
      } else {
        tally.success(backend, response.getModelVersion(), key);
      }
      permits.release();
    });
  }
}
