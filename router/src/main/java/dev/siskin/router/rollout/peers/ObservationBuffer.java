package dev.siskin.router.rollout.peers;

import static java.util.Objects.requireNonNull;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A following router's observations, kept until the judge has them. Each gets the next sequence number; the
 * judge fetches those after the last one it took ({@link #after}), which also releases everything up to it, so
 * a batch lost on the way (a timeout after the answer left) is simply fetched again and none is counted twice.
 *
 * <p>Bounded: with the judge away, the oldest observations make room for new ones and are counted as dropped.
 * Dropping by age, never by outcome, leaves what the judge gets an unbiased sample, so its tests stay valid;
 * it only has less evidence.
 *
 * <p>Thread-safe: calls finish on every transport thread; one short lock per observation (an array deque
 * append), and the judge's fetch copies at most a batch under the same lock.
 */
public final class ObservationBuffer {
  /** About a minute of a busy router's calls. */
  public static final int DEFAULT_CAPACITY = 200_000;

  private final int capacity;
  private final ArrayDeque<Observation> kept;
  /** Sequence number of the first observation in {@link #kept}; guarded by this. */
  private long firstSeq = 1;
  private long dropped;

  public ObservationBuffer(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity " + capacity);
    }
    this.capacity = capacity;
    this.kept = new ArrayDeque<>(Math.min(capacity, 4096));
  }

  public synchronized void add(Observation observation) {
    requireNonNull(observation, "observation");
    if (kept.size() == capacity) {
      kept.removeFirst();
      firstSeq++;
      dropped++;
    }
    kept.addLast(observation);
  }

  /**
   * Releases every observation up to {@code taken} and returns at most {@code max} of those after it.
   *
   * @param taken the last sequence number the judge has (0 for none)
   */
  public synchronized Batch after(long taken, int max) {
    while (!kept.isEmpty() && firstSeq <= taken) {
      kept.removeFirst();
      firstSeq++;
    }
    // A judge that took fewer than we dropped (or a new judge starting at 0) resumes at the oldest kept.
    long from = Math.max(taken + 1, firstSeq);
    int n = Math.min(max, kept.size());
    List<Observation> out = new ArrayList<>(n);
    var it = kept.iterator();
    for (int i = 0; i < n; i++) {
      out.add(it.next());
    }
    return new Batch(from, out, kept.size() > n, dropped);
  }

  /** Observations held now. */
  public synchronized int size() {
    return kept.size();
  }

  /**
   * @param first   the sequence number of {@code observations.get(0)}; the last is {@code first + size - 1}
   * @param more    whether more are waiting after these
   * @param dropped observations dropped since this buffer was made, because the judge did not take them in time
   */
  public record Batch(long first, List<Observation> observations, boolean more, long dropped) {
    public Batch {
      observations = List.copyOf(observations);
    }

    /** The last sequence number in this batch: what the judge asks after next time. */
    public long last() {
      return first + observations.size() - 1;
    }
  }
}
