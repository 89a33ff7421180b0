package dev.siskin.router.canary;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts compared pairs by (primary class, shadow class) over a bounded set of classes: an (n+1) x (n+1) table
 * of adders, the last row and column for {@value BoundedLabels#OTHER}. Thread-safe; recording is lock-free
 * once both classes are known.
 */
final class FlipMatrix {
  private final BoundedLabels classes;
  private final LongAdder[] counts;

  FlipMatrix(int maxClasses) {
    classes = new BoundedLabels(maxClasses);
    counts = new LongAdder[classes.size() * classes.size()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
  }

  void record(String primary, String shadow) {
    counts[classes.index(primary) * classes.size() + classes.index(shadow)].increment();
  }

  /** The cells counted at least once, by primary class then shadow class, classes in the order first seen. */
  List<Flip> snapshot() {
    long[] n = new long[counts.length];
    for (int i = 0; i < counts.length; i++) {
      n[i] = counts[i].sum();
    }
    // Labels after counts: a counted cell's classes were admitted before its count, so they are named.
    String[] labels = classes.labelsByIndex();
    List<Flip> out = new ArrayList<>();
    for (int i = 0; i < n.length; i++) {
      if (n[i] != 0) {
        out.add(new Flip(labels[i / labels.length], labels[i % labels.length], n[i]));
      }
    }
    return List.copyOf(out);
  }
}
