package dev.siskin.router.route;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** Argument checks shared by the pickers: one place for the rules of {@link WeightedPicker#create}. */
final class Weights {
  private Weights() {}

  /**
   * Checks that {@code items} and {@code weights} describe a usable picker and returns the sum of the weights.
   *
   * @throws IllegalArgumentException naming the offending value and what was expected
   */
  static long checkAndSum(List<?> items, int[] weights) {
    requireNonNull(items, "items");
    requireNonNull(weights, "weights");
    if (items.isEmpty()) {
      throw new IllegalArgumentException("items: [] (expected: at least one item)");
    }
    if (items.size() != weights.length) {
      throw new IllegalArgumentException(
          "weights: " + weights.length + " values for " + items.size() + " items (expected: one weight per item)");
    }
    long sum = 0;
    for (int i = 0; i < weights.length; i++) {
      requireNonNull(items.get(i), "items[" + i + "]");
      if (weights[i] < 0) {
        throw new IllegalArgumentException("weights[" + i + "]: " + weights[i] + " (expected: >= 0)");
      }
      sum += weights[i];
    }
    if (sum == 0) {
      throw new IllegalArgumentException("weights: all 0 (expected: at least one weight > 0)");
    }
    return sum;
  }

  /** The items for a log line: all of them when few, else only how many. */
  static String describe(List<?> items) {
    return items.size() <= 10 ? items.toString() : items.size() + " items";
  }

  static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }
}
