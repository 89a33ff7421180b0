package dev.siskin.router.canary;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Gives each label (a class a model predicted, a backend name) a small index, for at most {@code capacity}
 * distinct labels; later labels, and labels longer than {@link #MAX_CHARS}, share the index of {@link #OTHER}.
 * A backend may answer garbage, so the labels it brings cannot be trusted to be few; an index lets the counters
 * be plain arrays.
 *
 * <p>Thread-safe. {@link #index} takes no lock for a label already admitted; admitting one is serialized so that
 * the capacity is exact. Labels stay admitted for the life of the object.
 */
final class BoundedLabels {
  /** Longer than any real class or backend name; a longer one is treated as garbage. */
  static final int MAX_CHARS = 64;
  /** The shared label of everything past the capacity. */
  static final String OTHER = "__other__";

  private final int capacity;
  private final ConcurrentHashMap<String, Integer> indexes = new ConcurrentHashMap<>();
  /** Label of each index; index {@code capacity} is {@link #OTHER}. Written under "this". */
  private final String[] labels;

  BoundedLabels(int capacity) {
    this.capacity = capacity;
    this.labels = new String[capacity + 1];
    labels[capacity] = OTHER;
  }

  /** Number of indexes: the capacity plus the one of {@link #OTHER}. */
  int size() {
    return capacity + 1;
  }

  int index(String label) {
    Integer known = indexes.get(label);
    if (known != null) {
      return known;
    }
    if (label.length() > MAX_CHARS || label.equals(OTHER)) {
      return capacity;
    }
    return admit(label);
  }

  private synchronized int admit(String label) {
    Integer known = indexes.get(label);
    if (known != null) {
      return known;
    }
    int next = indexes.size();
    if (next >= capacity) {
      return capacity;
    }
    labels[next] = label;
    indexes.put(label, next);
    return next;
  }

  /** The label of every index handed out so far (null for the others), {@link #OTHER} at the last index. */
  synchronized String[] labelsByIndex() {
    return labels.clone();
  }
}
