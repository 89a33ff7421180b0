package dev.siskin.router.route;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Picks one of a fixed list of items by fixed weights. Immutable item list and weights; a new picker is
 * built for every new set of weights. Thread-safe: {@link #pick()} may be called from any number of
 * threads at once, and never blocks.
 *
 * @param <T> what is picked (a backend)
 */
public interface WeightedPicker<T> {

  /** Returns the next item. Items of weight 0 are never returned. */
  T pick();

  /**
   * Builds a picker for the given policy.
   *
   * @param items   the candidates, at least one
   * @param weights weights in the same order as {@code items}, each >= 0, at least one > 0; copied, so
   *                later changes to the array do not affect the picker
   * @throws IllegalArgumentException when the items or weights break these rules
   */
  static <T> WeightedPicker<T> create(Policy policy, List<T> items, int[] weights) {
    requireNonNull(policy, "policy");
    switch (policy) {
      case SMOOTH_WEIGHTED_ROUND_ROBIN:
        return new SmoothWeightedRoundRobinPicker<>(items, weights);
      case RANDOM:
        return new RandomWeightedPicker<>(items, weights);
      default:
        throw new AssertionError("unknown policy: " + policy);
    }
  }
}
