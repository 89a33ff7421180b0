package dev.siskin.router.metrics;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Call latencies of one backend for percentiles: over the last minute and since start (of this window: a
 * backend that left the config and came back has a new one, see {@link BackendStats}).
 *
 * <p>Writers call {@link #record} on the hot path: HdrHistogram's {@link Recorder} is wait-free for
 * writers and allocates nothing; writers are spread over a few recorders by thread so that they
 * do not contend on shared counters. Readers ({@link #drain}, {@link #summary}) are serialized on this
 * object; they swap the recorder's active histogram out and fold it into a ring of
 * {@value #SLOTS} slots of {@link #SLOT_NANOS} each plus a since-start histogram.
 *
 * <p>"Last minute" is the slots of the current and the previous five 10 s periods: 50 to 60 s of
 * history depending on the phase. Values are put in the slot that is current when they are drained,
 * so {@link #drain} must run at least once per slot (the owner schedules it every 10 s) for the window
 * to be accurate to one slot.
 *
 * <p>Values are kept in microseconds with two significant digits (1 % resolution), from 1 µs to one hour;
 * longer calls count as one hour. That keeps each histogram near 25 KiB; a
 * backend holds three per recorder stripe plus eight.
 */
final class LatencyWindow {
  static final int SLOTS = 6;
  static final long SLOT_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);
  private static final int DIGITS = 2;

  /**
   * Writers of one recorder all increment shared atomics, so each window has several recorders: a
   * power of two at least twice the cores (at most 16). Threads take stripes round-robin on first use,
   * so the first {@code STRIPES} threads (gRPC's event loops) never share one.
   */
  private static final int STRIPES =
      Math.min(16, Integer.highestOneBit(Runtime.getRuntime().availableProcessors() * 2 - 1) * 2);
  private static final AtomicInteger NEXT_STRIPE = new AtomicInteger();
  private static final ThreadLocal<Integer> STRIPE =
      ThreadLocal.withInitial(() -> NEXT_STRIPE.getAndIncrement() & (STRIPES - 1));
  private final Recorder[] recorders = new Recorder[STRIPES];
  private final LongSupplier nanoClock;

  // All fields below are guarded by "this".
  private final Histogram[] ring = new Histogram[SLOTS];
  /** Which slot number (nanoTime / SLOT_NANOS) each ring entry holds; Long.MIN_VALUE when empty. */
  private final long[] ringSlot = new long[SLOTS];
  private final Histogram sinceStart = newHistogram();
  /** Per stripe: the interval histogram to hand back to that recorder (it accepts only its own). */
  private final Histogram[] recycled = new Histogram[STRIPES];

  LatencyWindow(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
    for (int i = 0; i < STRIPES; i++) {
      recorders[i] = new Recorder(1, HIGHEST_MICROS, DIGITS);
    }
    for (int i = 0; i < SLOTS; i++) {
      ring[i] = newHistogram();
      ringSlot[i] = Long.MIN_VALUE;
    }
  }

  /** Records one call. Wait-free, no allocation; never throws (out-of-range values are clamped). */
  void record(long durationNanos) {
    long micros = durationNanos / 1000;
    recorders[STRIPE.get()].recordValue(micros < 1 ? 1 : Math.min(micros, HIGHEST_MICROS));
  }

  /** Moves what was recorded since the last drain into the current slot and the since-start total. */
  synchronized void drain() {
    long slot = Math.floorDiv(nanoClock.getAsLong(), SLOT_NANOS);
    int i = (int) Math.floorMod(slot, (long) SLOTS);
    if (ringSlot[i] != slot) {
      ring[i].reset();
      ringSlot[i] = slot;
    }
    for (int r = 0; r < STRIPES; r++) {
      Histogram interval = recorders[r].getIntervalHistogram(recycled[r]);
      recycled[r] = interval;
      ring[i].add(interval);
      sinceStart.add(interval);
    }
  }

  /** Drains, then summarizes both windows. */
  synchronized Summary summary() {
    drain();
    long current = Math.floorDiv(nanoClock.getAsLong(), SLOT_NANOS);
    Histogram lastMinute = newHistogram();
    for (int i = 0; i < SLOTS; i++) {
      if (ringSlot[i] > current - SLOTS) {
        lastMinute.add(ring[i]);
      }
    }
    return new Summary(percentiles(lastMinute), percentiles(sinceStart));
  }

  private static Histogram newHistogram() {
    return new Histogram(1, HIGHEST_MICROS, DIGITS);
  }

  /** Latency over the last minute and since start. */
  record Summary(LatencyPercentiles lastMinute, LatencyPercentiles sinceStart) {
    /** For a backend that has no window (it left the config). */
    static final Summary NONE = new Summary(LatencyPercentiles.EMPTY, LatencyPercentiles.EMPTY);
  }

  private static LatencyPercentiles percentiles(Histogram h) {
    if (h.getTotalCount() == 0) {
      return LatencyPercentiles.EMPTY;
    }
    return new LatencyPercentiles(h.getTotalCount(), millis(h, 50), millis(h, 90), millis(h, 99));
  }

  private static double millis(Histogram h, double percentile) {
    return h.getValueAtPercentile(percentile) / 1000.0;
  }
}
