package dev.siskin.router.metrics;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Call latencies of one backend for percentiles: over the last minute and since start.
 *
 * <p>Writers call {@link #record} on the hot path: HdrHistogram's {@link Recorder} is wait-free for
 * writers and allocates nothing. Readers ({@link #drain}, {@link #summary}) are serialized on this
 * object; they swap the recorder's active histogram out and fold it into a ring of
 * {@value #SLOTS} slots of {@link #SLOT_NANOS} each plus a since-start histogram.
 *
 * <p>"Last minute" is the slots of the current and the previous five 10 s periods: 50 to 60 s of
 * history depending on the phase. Values are put in the slot that is current when they are drained,
 * so {@link #drain} must run at least once per slot (the owner schedules it every 10 s) for the window
 * to be accurate to one slot.
 *
 * <p>Values are kept in microseconds with two significant digits (1 % resolution), from 1 µs to one hour;
 * longer calls count as one hour. That keeps each histogram near 25 KiB.
 */
final class LatencyWindow {
  static final int SLOTS = 6;
  static final long SLOT_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);
  private static final int DIGITS = 2;

  private final Recorder recorder = new Recorder(1, HIGHEST_MICROS, DIGITS);
  private final LongSupplier nanoClock;

  // All fields below are guarded by "this".
  private final Histogram[] ring = new Histogram[SLOTS];
  /** Which slot number (nanoTime / SLOT_NANOS) each ring entry holds; Long.MIN_VALUE when empty. */
  private final long[] ringSlot = new long[SLOTS];
  private final Histogram sinceStart = newHistogram();
  private Histogram recycled;

  LatencyWindow(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
    for (int i = 0; i < SLOTS; i++) {
      ring[i] = newHistogram();
      ringSlot[i] = Long.MIN_VALUE;
    }
  }

  /** Records one call. Wait-free, no allocation; never throws (out-of-range values are clamped). */
  void record(long durationNanos) {
    long micros = durationNanos / 1000;
    recorder.recordValue(micros < 1 ? 1 : Math.min(micros, HIGHEST_MICROS));
  }

  /** Moves what was recorded since the last drain into the current slot and the since-start total. */
  synchronized void drain() {
    long slot = Math.floorDiv(nanoClock.getAsLong(), SLOT_NANOS);
    int i = (int) Math.floorMod(slot, (long) SLOTS);
    if (ringSlot[i] != slot) {
      ring[i].reset();
      ringSlot[i] = slot;
    }
    recycled = recorder.getIntervalHistogram(recycled);
    ring[i].add(recycled);
    sinceStart.add(recycled);
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
  record Summary(LatencyPercentiles lastMinute, LatencyPercentiles sinceStart) {}

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
