package dev.siskin.router.route;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * nginx's smooth weighted round-robin, made lock-free: every window of {@code S} consecutive picks, where
 * {@code S} is the sum of the weights divided by their greatest common divisor, returns each item exactly
 * {@code weight / gcd} times, and an item's picks are spread out rather than bunched. With weights
 * {@code a=5, b=1, c=1} the picks are {@code a a b a c a a}, repeated; with {@code v1=90, v2=10} (reduced to
 * 9 and 1) every 10 consecutive calls go 9 to v1 and 1 to v2.
 *
 * <h2>How</h2>
 * nginx keeps a mutable "current weight" per item and updates all of them under a lock on every pick.
 * Its sequence is periodic: after {@code S} picks every current weight is back to 0. So this picker runs
 * nginx's algorithm once, at construction, for one period, stores the period as an array of item indexes,
 * and answers pick number {@code k} with entry {@code k mod S}. The pick number comes from one
 * {@link AtomicLong#getAndIncrement()}: each concurrent caller gets its own number, so any {@code S}
 * consecutive numbers -- whichever threads took them -- cover the period exactly once. The window
 * guarantee therefore holds across threads: after {@code m * S} picks in total, counts are exact.
 *
 * <h2>Bounds</h2>
 * The period is stored when {@code S <= 2^20} (at most 2 MiB: one {@code char} per entry) and building it
 * takes at most {@code 2^25} steps ({@code S} times the number of items of weight > 0, about 30 ms).
 * Typical canary weights (90/10 reduces to 9/1) have tiny periods. Beyond these bounds (say 1000 backends
 * with unrelated weights near 1,000,000) the picker falls back to a <em>permuted stride</em> schedule with
 * the same window guarantee and O(n) memory: pick {@code k} maps to position {@code p = (k mod S) * stride
 * mod S}, with {@code stride} coprime to {@code S} and near {@code S / golden ratio}, and returns the item
 * whose cumulative-weight interval contains {@code p} (binary search). As {@code k} runs over any window of
 * {@code S}, {@code p} runs over every position once, so the counts are exact; the golden-ratio stride keeps
 * each item's picks spread out, though not in nginx's exact order.
 *
 * <p>The counter is read as an unsigned 64-bit number, so the sequence continues unbroken when it passes
 * {@link Long#MAX_VALUE}; the only discontinuity is at 2^64 picks (585 years at a billion picks a second).
 *
 * <p>Thread-safe and lock-free; the only mutable state is the counter. Items of weight 0 are never picked.
 */
final class SmoothWeightedRoundRobinPicker<T> implements WeightedPicker<T> {
  /** Longest period stored as an array; see the class Javadoc. */
  static final int MAX_PRECOMPUTED_PERIOD = 1 << 20;
  /** Most (period x positive items) steps spent building the stored period. */
  static final long MAX_PRECOMPUTE_STEPS = 1L << 25;

  private final List<T> items;
  private final Schedule schedule;
  /** Number of the next pick; only ever incremented. */
  private final AtomicLong counter;

  SmoothWeightedRoundRobinPicker(List<T> items, int[] weights) {
    this(items, weights, 0L, MAX_PRECOMPUTED_PERIOD, MAX_PRECOMPUTE_STEPS);
  }

  /** For tests: start at pick number {@code firstPick}, and choose the bounds that select the schedule. */
  SmoothWeightedRoundRobinPicker(
      List<T> items, int[] weights, long firstPick, int maxPrecomputedPeriod, long maxPrecomputeSteps) {
    Weights.checkAndSum(items, weights);
    List<T> positiveItems = new ArrayList<>();
    List<Integer> positiveWeights = new ArrayList<>();
    long gcd = 0;
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] > 0) {
        positiveItems.add(items.get(i));
        positiveWeights.add(weights[i]);
        gcd = Weights.gcd(weights[i], gcd);
      }
    }
    long[] reduced = new long[positiveWeights.size()];
    long period = 0;
    for (int i = 0; i < reduced.length; i++) {
      reduced[i] = positiveWeights.get(i) / gcd;
      period += reduced[i];
    }
    this.items = List.copyOf(positiveItems);
    boolean precompute = period <= maxPrecomputedPeriod
        && period * reduced.length <= maxPrecomputeSteps
        && reduced.length <= Character.MAX_VALUE + 1;
    this.schedule = precompute ? new NginxSequence(reduced, (int) period) : new PermutedStride(reduced, period);
    this.counter = new AtomicLong(firstPick);
  }

  @Override
  public T pick() {
    return items.get(schedule.itemAt(counter.getAndIncrement()));
  }

  /** Whether the exact nginx sequence is in use (true) or the permuted-stride fallback (false). */
  boolean usesNginxSequence() {
    return schedule instanceof NginxSequence;
  }

  /** Length of one window: the sum of the weights divided by their gcd. */
  long period() {
    return schedule.period();
  }

  @Override
  public String toString() {
    return "SmoothWeightedRoundRobinPicker{items=" + Weights.describe(items) + ", period=" + period()
        + ", schedule=" + schedule.getClass().getSimpleName() + '}';
  }

  /** Maps a pick number to an item index; immutable. */
  private interface Schedule {
    int itemAt(long pickNumber);

    long period();
  }

  /** One period of nginx's smooth weighted round-robin, computed once. */
  private static final class NginxSequence implements Schedule {
    private final char[] sequence;

    NginxSequence(long[] weights, int period) {
      sequence = new char[period];
      long[] current = new long[weights.length];
      for (int step = 0; step < period; step++) {
        int best = 0;
        for (int i = 0; i < weights.length; i++) {
          current[i] += weights[i];
          // Strictly greater: on a tie the earlier item wins, as in nginx's ngx_http_upstream_get_peer.
          if (current[i] > current[best]) {
            best = i;
          }
        }
        current[best] -= period;
        sequence[step] = (char) best;
      }
    }

    @Override
    public int itemAt(long pickNumber) {
      return sequence[(int) Long.remainderUnsigned(pickNumber, sequence.length)];
    }

    @Override
    public long period() {
      return sequence.length;
    }
  }

  /** The fallback for large periods: a bijection of each window onto the cumulative-weight positions. */
  private static final class PermutedStride implements Schedule {
    private static final double INVERSE_GOLDEN_RATIO = 0.6180339887498949;

    /** cumulative[i] = sum of weights 0..i (all > 0, so strictly increasing). */
    private final long[] cumulative;
    private final long period;
    private final long stride;

    PermutedStride(long[] weights, long period) {
      this.period = period;
      this.cumulative = new long[weights.length];
      long sum = 0;
      for (int i = 0; i < weights.length; i++) {
        sum += weights[i];
        cumulative[i] = sum;
      }
      long s = Math.max(1, Math.round(period * INVERSE_GOLDEN_RATIO));
      while (Weights.gcd(s, period) != 1) {
        s++;
      }
      this.stride = s;
    }

    @Override
    public int itemAt(long pickNumber) {
      long position = mulMod(Long.remainderUnsigned(pickNumber, period), stride, period);
      int lo = 0;
      int hi = cumulative.length - 1;
      while (lo < hi) { // first index whose cumulative weight is above position
        int mid = (lo + hi) >>> 1;
        if (cumulative[mid] > position) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      return lo;
    }

    @Override
    public long period() {
      return period;
    }

    private static long mulMod(long a, long b, long m) {
      if (Math.multiplyHigh(a, b) == 0 && a * b >= 0) {
        return (a * b) % m;
      }
      // Only for periods beyond 2^31, i.e. weights far above what canary.conf accepts.
      return BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).mod(BigInteger.valueOf(m)).longValue();
    }
  }
}
