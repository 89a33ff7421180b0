package dev.siskin.client.load;

import java.time.Duration;

/**
 * Walks a {@link LoadSchedule} for the sending loop: each {@link #advance} says which calls to start now.
 * A loop that wakes up late (a GC pause, a busy machine) catches up on the calls it missed, but only on those
 * due less than {@code maxLateness} ago: older ones are reported as late and not sent, so that a stall never
 * turns into a burst larger than {@code rate * maxLateness + 1} calls. Not thread-safe: one sending thread.
 */
public final class Pacer {
  private final LoadSchedule schedule;
  private final long maxLatenessNanos;
  private long issued;

  /** The calls to start now, numbered {@code first} to {@code first + send - 1}, and those dropped as late. */
  public record Tick(long first, long send, long late) {}

  public Pacer(LoadSchedule schedule, Duration maxLateness) {
    this.schedule = schedule;
    this.maxLatenessNanos = maxLateness.toNanos();
  }

  /** The calls due by {@code elapsedNanos} that were not handed out before. */
  public Tick advance(long elapsedNanos) {
    long tooLate = schedule.dueBy(elapsedNanos - maxLatenessNanos);
    long late = Math.max(0, tooLate - issued);
    issued += late;
    long first = issued;
    long send = Math.max(0, schedule.dueBy(elapsedNanos) - issued);
    issued += send;
    return new Tick(first, send, late);
  }

  /** Calls handed out so far, sent or dropped. */
  public long issued() {
    return issued;
  }

  /** True when every call of the schedule was handed out. */
  public boolean done() {
    return issued >= schedule.total();
  }

  /** When the next call is due, in nanoseconds after the start; meaningless once {@link #done}. */
  public long nextDueNanos() {
    return schedule.nanosOf(issued);
  }
}
