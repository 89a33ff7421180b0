package dev.siskin.router.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Calls through the router on one thread, two at a time, until stopped -- at most 5 minutes or 200 000 calls
 * -- keeping every failed outcome.
 */
final class SteadyLoad implements AutoCloseable {
  private static final Duration MAX_TIME = Duration.ofMinutes(5);
  private static final int MAX_CALLS = 200_000;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
  private final Thread thread;

  SteadyLoad(PredictClient client) {
    thread = new Thread(() -> {
      long end = System.nanoTime() + MAX_TIME.toNanos();
      java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(2);
      for (int i = 0; i < MAX_CALLS && !stop.get() && System.nanoTime() < end; i++) {
        try {
          inFlight.acquire();
        } catch (InterruptedException e) {
          return;
        }
        client.start(PredictClient.SEED_REQUEST).whenComplete((outcome, error) -> {
          if (error != null || !outcome.ok()) {
            failures.add(error != null ? error.toString() : outcome.status().toString());
          }
          done.incrementAndGet();
          inFlight.release();
        });
      }
      inFlight.acquireUninterruptibly(2);
    }, "steady-load");
    thread.start();
  }

  void awaitMoreCalls(int n) throws InterruptedException {
    long target = done.get() + n;
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (done.get() < target && System.nanoTime() < deadline && thread.isAlive()) {
      Thread.sleep(20);
    }
    assertThat(done.get()).as("calls made").isGreaterThanOrEqualTo(target);
  }

  /** Calls finished so far. */
  long done() {
    return done.get();
  }

  /** The failed calls so far, as their status or error. */
  java.util.List<String> failures() {
    return java.util.List.copyOf(failures);
  }

  void stopAndAssertNoneFailed() throws InterruptedException {
    close();
    System.out.printf("%d client calls, %d failed%n", done.get(), failures.size());
    assertThat(done.get()).isPositive();
    assertThat(failures).as("failed client calls").isEmpty();
  }

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    thread.join(Duration.ofSeconds(70).toMillis());
  }
}
