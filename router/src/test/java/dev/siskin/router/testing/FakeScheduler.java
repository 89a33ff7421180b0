package dev.siskin.router.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock and a single "thread" that run only when the test says so, for the health thread's state machines
 * (health checks, ejections): {@link #runDue()} runs every task that is due, in time order, on the test's
 * thread; {@link #advance} moves the clock and runs what became due. Nothing runs by itself, so a test sees
 * every intermediate state and never waits for real time.
 *
 * <p>Tasks may be submitted from any thread (an RPC callback, a call thread); they run only inside
 * {@link #runDue()} / {@link #advance}, which the test calls from one thread.
 */
public final class FakeScheduler extends AbstractExecutorService implements ScheduledExecutorService {
  private final Object lock = new Object();
  private final PriorityQueue<Task<?>> queue = new PriorityQueue<>(
      Comparator.<Task<?>>comparingLong(t -> t.dueNanos).thenComparingLong(t -> t.sequence));
  private final AtomicLong sequence = new AtomicLong();
  private volatile long nowNanos;
  private final Instant epoch;
  private volatile boolean shutdown;

  public FakeScheduler(Instant start) {
    this.epoch = start;
  }

  /** The clock of this scheduler. */
  public Clock clock() {
    return new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return epoch.plusNanos(nowNanos);
      }
    };
  }

  /** Runs every task due now (including those the tasks themselves submit for now); returns how many ran. */
  public int runDue() {
    int ran = 0;
    while (true) {
      Task<?> next;
      synchronized (lock) {
        next = queue.peek();
        if (next == null || next.dueNanos > nowNanos) {
          return ran;
        }
        queue.poll();
      }
      if (!next.isCancelled()) {
        next.run();
        ran++;
        try {
          next.get(); // a task that threw must fail the test, not vanish inside its future
        } catch (java.util.concurrent.ExecutionException e) {
          throw new AssertionError("a task on the fake health thread threw", e.getCause());
        } catch (InterruptedException | java.util.concurrent.CancellationException e) {
          throw new AssertionError(e);
        }
      }
    }
  }

  /** Moves the clock forward in steps, running what becomes due at each task's own time. */
  public void advance(Duration by) {
    long target = nowNanos + by.toNanos();
    while (true) {
      runDue();
      Task<?> next;
      synchronized (lock) {
        next = queue.peek();
      }
      if (next == null || next.dueNanos > target) {
        break;
      }
      nowNanos = next.dueNanos;
    }
    nowNanos = target;
    runDue();
  }

  /** Tasks waiting, due or not. */
  public int pending() {
    synchronized (lock) {
      return (int) queue.stream().filter(t -> !t.isCancelled()).count();
    }
  }

  @Override
  public void execute(Runnable command) {
    schedule(command, 0, TimeUnit.NANOSECONDS);
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return add(new Task<>(() -> {
      command.run();
      return null;
    }, nowNanos + Math.max(0, unit.toNanos(delay))));
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return add(new Task<>(callable, nowNanos + Math.max(0, unit.toNanos(delay))));
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    throw new UnsupportedOperationException("not used by the health thread");
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException("not used by the health thread");
  }

  private <V> Task<V> add(Task<V> task) {
    if (shutdown) {
      throw new java.util.concurrent.RejectedExecutionException("shut down");
    }
    synchronized (lock) {
      queue.add(task);
    }
    return task;
  }

  @Override
  public void shutdown() {
    shutdown = true;
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown = true;
    synchronized (lock) {
      List<Runnable> left = new ArrayList<>(queue);
      queue.clear();
      return left;
    }
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return shutdown;
  }

  private final class Task<V> extends FutureTask<V> implements ScheduledFuture<V> {
    final long dueNanos;
    final long sequence = FakeScheduler.this.sequence.incrementAndGet();

    Task(Callable<V> callable, long dueNanos) {
      super(callable);
      this.dueNanos = dueNanos;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueNanos - nowNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
    }
  }
}
