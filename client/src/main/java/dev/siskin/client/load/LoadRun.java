package dev.siskin.client.load;

import dev.siskin.client.AsyncPredict;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

/**
 * Open-loop load: starts Predict calls on the {@link LoadSchedule}'s times whatever the answers do, so a slow
 * target sees the rate asked for instead of a generator that politely slows down with it. What the loop cannot
 * send is counted, never hidden: calls over the in-flight cap, and calls the loop itself was too late for.
 * Sending happens on the calling thread; {@link #stop} may be called from any thread (a signal handler).
 */
public final class LoadRun {
  /** How late a call may still be sent when the loop wakes up late; older ones are dropped and counted. */
  public static final Duration MAX_LATENESS = Duration.ofMillis(50);
  /** How long a stopped run waits for its calls in flight before it reports them unfinished. */
  public static final Duration STOP_GRACE = Duration.ofSeconds(2);
  // The loop wakes at least this often, to draw progress and to notice a stop.
  private static final long MAX_SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final ManagedChannel channel;
  private final String target;
  private final LoadSchedule schedule;
  private final RowCycle rows;
  private final LongFunction<Metadata> headers;
  private final int maxInFlight;
  private final Duration deadline;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile String stoppedBy;

  /**
   * @param headers the request headers of call {@code i} (a fresh Metadata per call)
   */
  public LoadRun(ManagedChannel channel, String target, LoadSchedule schedule, RowCycle rows,
      LongFunction<Metadata> headers, int maxInFlight, Duration deadline) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight: " + maxInFlight + " (expected: >= 1)");
    }
    this.channel = channel;
    this.target = target;
    this.schedule = schedule;
    this.rows = rows;
    this.headers = headers;
    this.maxInFlight = maxInFlight;
    this.deadline = deadline;
  }

  /** Ends sending early; the run then waits up to {@link #STOP_GRACE} for the calls in flight. */
  public void stop(String reason) {
    if (stoppedBy == null) {
      stoppedBy = reason;
    }
    stopped.countDown();
  }

  /**
   * Sends for the schedule's duration or until {@link #stop}, then waits for the calls in flight.
   *
   * @param progress told the number of calls handed out so far (sent or skipped), on the calling thread
   */
  public LoadResult run(LongConsumer progress) throws InterruptedException {
    connect();
    LoadTally tally = new LoadTally();
    Pacer pacer = new Pacer(schedule, MAX_LATENESS);
    long durationNanos = schedule.duration().toNanos();
    long skippedInFlight = 0;
    long skippedLate = 0;
    // Call 0 is started before the clock: the first call on a channel sets up much of the transport (40 ms and
    // more on a cold JVM, on this thread), which would otherwise make the calls after it late.
    long sent = 0;
    if (stoppedBy == null) {
      send(tally, pacer.advance(0).first());
      sent++;
    }
    long start = System.nanoTime();
    long elapsed = 0;
    while (stoppedBy == null) {
      elapsed = System.nanoTime() - start;
      Pacer.Tick tick = pacer.advance(elapsed);
      skippedLate += tick.late();
      for (long call = tick.first(); call < tick.first() + tick.send(); call++) {
        if (tally.inFlight() >= maxInFlight) {
          skippedInFlight++;
        } else {
          send(tally, call);
          sent++;
        }
      }
      progress.accept(pacer.issued());
      if (elapsed >= durationNanos) {
        break;
      }
      // After the last call the loop still sleeps to the end, so that the achieved rate is over the duration.
      long wakeAt = pacer.done() ? durationNanos : Math.min(pacer.nextDueNanos(), durationNanos);
      long sleep = Math.min(wakeAt - (System.nanoTime() - start), MAX_SLEEP_NANOS);
      if (sleep > 0) {
        stopped.await(sleep, TimeUnit.NANOSECONDS);
      }
    }
    Duration sending = Duration.ofNanos(Math.min(elapsed, durationNanos));
    awaitInFlight(tally);
    return tally.snapshot(target, schedule, maxInFlight, sent, skippedInFlight, skippedLate, sending, stoppedBy);
  }

  /**
   * Connects before the clock starts (at most one deadline long, or until {@link #stop}), so that the first
   * calls do not wait in the channel for the connection. A target that does not answer is left to the calls:
   * they fail and are counted.
   */
  private void connect() throws InterruptedException {
    CountDownLatch settled = new CountDownLatch(1);
    watch(channel.getState(true), settled);
    long until = System.nanoTime() + deadline.toNanos();
    while (stoppedBy == null && !settled.await(50, TimeUnit.MILLISECONDS) && System.nanoTime() < until) {
      // waiting for the connection to settle, a stop or the deadline
    }
  }

  private void watch(ConnectivityState state, CountDownLatch settled) {
    if (state == ConnectivityState.READY || state == ConnectivityState.TRANSIENT_FAILURE
        || state == ConnectivityState.SHUTDOWN) {
      settled.countDown();
    } else {
      channel.notifyWhenStateChanged(state, () -> watch(channel.getState(false), settled));
    }
  }

  private void send(LoadTally tally, long call) {
    tally.started();
    long callStart = System.nanoTime();
    AsyncPredict.start(channel, rows.request(call), headers.apply(call), deadline,
        (backend, status, response) -> tally.ended(backend, status, System.nanoTime() - callStart));
  }

  /**
   * Waits until no call is in flight: every call has a deadline, so at most that long (and a margin for the
   * callbacks); after a stop only {@link #STOP_GRACE}, since whoever stopped the run wants it to end.
   */
  private void awaitInFlight(LoadTally tally) throws InterruptedException {
    long waitStart = System.nanoTime();
    long limit = deadline.toNanos() + TimeUnit.SECONDS.toNanos(1);
    while (tally.inFlight() > 0) {
      long waited = System.nanoTime() - waitStart;
      long allowed = stoppedBy == null ? limit : Math.min(limit, STOP_GRACE.toNanos());
      if (waited >= allowed) {
        return;
      }
      Thread.sleep(10);
    }
  }
}
