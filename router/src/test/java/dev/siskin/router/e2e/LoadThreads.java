package dev.siskin.router.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * N threads each sending one Predict after another, without pause, until {@link #stopAndJoin} or their time
 * bound runs out; every call lands in a {@link Tally}. A thread also stops after its first failed call when
 * asked to (a stopped router fails every later call at once: no point in spinning).
 */
final class LoadThreads {
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final Tally tally = new Tally();
  private final List<PredictClient.Outcome> all = java.util.Collections.synchronizedList(new ArrayList<>());

  private LoadThreads() {}

  /**
   * @param keepAll keep every outcome (for per-call timing); else only the tally
   * @param stopOnFailure a thread ends after its first failed call
   * @param bound no thread runs longer than this many seconds, whatever happens
   */
  static LoadThreads start(PredictClient client, int count, boolean keepAll, boolean stopOnFailure, int bound) {
    LoadThreads load = new LoadThreads();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(bound);
    for (int i = 0; i < count; i++) {
      Thread thread = new Thread(() -> {
        try {
          while (!load.stop.get() && System.nanoTime() < deadline) {
            PredictClient.Outcome outcome = client.call(PredictClient.SEED_REQUEST);
            load.tally.add(outcome);
            if (keepAll) {
              load.all.add(outcome);
            }
            if (stopOnFailure && !outcome.ok()) {
              return;
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "e2e-load-" + i);
      thread.setDaemon(true);
      thread.start();
      load.threads.add(thread);
    }
    return load;
  }

  Tally tally() {
    return tally;
  }

  /** Every outcome so far (only with keepAll). */
  List<PredictClient.Outcome> outcomes() {
    synchronized (all) {
      return List.copyOf(all);
    }
  }

  /** Waits until at least {@code calls} calls have finished (bounded by {@code timeoutMillis}). */
  void awaitCalls(int calls, long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (tally.total() < calls) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("only " + tally.total() + " of " + calls + " calls within " + timeoutMillis + " ms");
      }
      Thread.sleep(10);
    }
  }

  /** Lets each thread finish its current call, then waits for all (bounded: 90 s, a call's deadline is 30 s). */
  void stopAndJoin() throws InterruptedException {
    stop.set(true);
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(90));
      if (thread.isAlive()) {
        throw new AssertionError(thread.getName() + " still running 90 s after the stop");
      }
    }
  }
}
