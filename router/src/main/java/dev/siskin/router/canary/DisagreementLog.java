package dev.siskin.router.canary;

import java.util.ArrayList;
import java.util.List;

/**
 * The last {@code capacity} disagreements, in a ring that overwrites the oldest. Thread-safe: adding and reading
 * take the object's lock, held only to store or copy references (disagreements are built before it is taken).
 */
final class DisagreementLog {
  private final Disagreement[] ring;
  /** Disagreements added over the log's life; the next one goes to {@code added % ring.length}. */
  private long added;

  DisagreementLog(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity " + capacity + " (expected: at least 1)");
    }
    ring = new Disagreement[capacity];
  }

  synchronized void add(Disagreement d) {
    ring[(int) (added % ring.length)] = d;
    added++;
  }

  /** The kept disagreements, newest first. */
  synchronized List<Disagreement> newestFirst() {
    int kept = (int) Math.min(added, ring.length);
    List<Disagreement> out = new ArrayList<>(kept);
    for (int i = 1; i <= kept; i++) {
      out.add(ring[(int) ((added - i) % ring.length)]);
    }
    return out;
  }
}
