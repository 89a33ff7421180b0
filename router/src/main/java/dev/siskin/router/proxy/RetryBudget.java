package dev.siskin.router.proxy;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Envoy's retry budget: retries in progress may be at most {@code max(minConcurrency, percent % of the calls
 * in flight)}, so during an outage -- when every call would want a retry -- retries add at most that share
 * of load instead of doubling it. With the defaults (20 %, 3): 10 calls in flight allow 3 retries at once,
 * 100 allow 20.
 *
 * <p>Thread-safe and lock-free: two counters. A retry is "in progress" from its start until its call ends.
 */
public final class RetryBudget {
  private final AtomicInteger activeCalls = new AtomicInteger();
  private final AtomicInteger activeRetries = new AtomicInteger();
  private final LongAdder exhausted = new LongAdder();

  /** Retries allowed at once with {@code activeCalls} calls in flight. Pure. */
  static long allowed(int activeCalls, int percent, int minConcurrency) {
    return Math.max(minConcurrency, (long) activeCalls * percent / 100);
  }

  public void callStarted() {
    activeCalls.incrementAndGet();
  }

  public void callFinished() {
    activeCalls.decrementAndGet();
  }

  /** Takes one retry from the budget; false (and counted as exhausted) when none is left. */
  public boolean tryStartRetry(int percent, int minConcurrency) {
    int retries = activeRetries.incrementAndGet();
    if (retries > allowed(activeCalls.get(), percent, minConcurrency)) {
      activeRetries.decrementAndGet();
      exhausted.increment();
      return false;
    }
    return true;
  }

  /** Gives {@code n} retries back when their call ended. */
  public void retriesFinished(int n) {
    if (n > 0) {
      activeRetries.addAndGet(-n);
    }
  }

  public int activeCalls() {
    return activeCalls.get();
  }

  public int activeRetries() {
    return activeRetries.get();
  }

  /** Retries refused because the budget was used up, since start. */
  public long exhaustedTotal() {
    return exhausted.sum();
  }
}
