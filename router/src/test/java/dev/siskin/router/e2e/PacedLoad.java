package dev.siskin.router.e2e;

import dev.siskin.proto.v1.PredictRequest;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Open-loop Predict load at a fixed rate, as a rollout sees it in production: one call every 1/rate s whatever
 * the answers, at most 500 in flight (a call over that is not sent and is counted), bounded in time. Outcomes land
 * in a {@link Tally}.
 */
final class PacedLoad implements AutoCloseable {
  private static final int MAX_IN_FLIGHT = 500;

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "e2e-paced-load");
    t.setDaemon(true);
    return t;
  });
  private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
  private final Tally tally = new Tally();
  private final AtomicLong skipped = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();

  private PacedLoad() {}

  /** Starts {@code rate} calls per second of {@code rows} (cycled) through {@code client}, for at most {@code bound} s. */
  static PacedLoad start(PredictClient client, List<PredictRequest> rows, int rate, int boundSeconds) {
    PacedLoad load = new PacedLoad();
    long periodMicros = 1_000_000L / rate;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(boundSeconds);
    load.timer.scheduleAtFixedRate(() -> {
      if (System.nanoTime() > deadline) {
        load.timer.shutdown();
        return;
      }
      if (!load.inFlight.tryAcquire()) {
        load.skipped.incrementAndGet();
        return;
      }
      PredictRequest row = rows.get((int) (load.sent.getAndIncrement() % rows.size()));
      client.start(row).whenComplete((outcome, error) -> {
        load.inFlight.release();
        if (outcome != null) {
          load.tally.add(outcome);
        }
      });
    }, 0, periodMicros, TimeUnit.MICROSECONDS);
    return load;
  }

  Tally tally() {
    return tally;
  }

  long skipped() {
    return skipped.get();
  }

  /** Stops sending and waits (at most 35 s: a call's deadline is 30 s) for the calls in flight. */
  @Override
  public void close() throws InterruptedException {
    timer.shutdownNow();
    timer.awaitTermination(5, TimeUnit.SECONDS);
    if (inFlight.tryAcquire(MAX_IN_FLIGHT, 35, TimeUnit.SECONDS)) {
      inFlight.release(MAX_IN_FLIGHT);
    }
  }
}
