package dev.siskin.client.load;

import java.time.Duration;

/**
 * When the calls of an open-loop run are due: call {@code i} (0-based) at {@code i / rate} seconds after the
 * start, for every {@code i} whose time falls within the duration. Pure arithmetic on elapsed nanoseconds, so
 * that the pacing is tested without a clock. Immutable.
 *
 * @param rate     calls per second, more than 0
 * @param duration how long calls are started, more than 0
 */
public record LoadSchedule(double rate, Duration duration) {
  private static final double NANOS_PER_SECOND = 1e9;

  public LoadSchedule {
    if (!(rate > 0) || Double.isInfinite(rate)) {
      throw new IllegalArgumentException("rate: " + rate + " (expected: a finite number > 0)");
    }
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("duration: " + duration + " (expected: > 0)");
    }
  }

  /** The number of calls the run sends when nothing stops it: those whose time is before the end. */
  public long total() {
    // The epsilon keeps 200/s for 1 s at 200 calls although 200.0 * 1.0 may come out a hair above 200.
    return Math.max(1, (long) Math.ceil(rate * duration.toNanos() / NANOS_PER_SECOND - 1e-9));
  }

  /** How many calls are due by {@code elapsedNanos} after the start (call 0 is due at 0). */
  public long dueBy(long elapsedNanos) {
    if (elapsedNanos < 0) {
      return 0;
    }
    return Math.min(total(), (long) Math.floor(elapsedNanos * rate / NANOS_PER_SECOND) + 1);
  }

  /** When call {@code call} is due, in nanoseconds after the start. */
  public long nanosOf(long call) {
    return (long) Math.ceil(call * NANOS_PER_SECOND / rate);
  }
}
