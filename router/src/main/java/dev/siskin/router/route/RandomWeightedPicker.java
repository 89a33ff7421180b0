package dev.siskin.router.route;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Independent weighted random draws: each pick returns item {@code i} with probability
 * {@code weight[i] / sum}, regardless of earlier picks. Shares converge only on average (over n picks the
 * count of an item of share p has standard deviation {@code sqrt(n p (1-p))}), unlike
 * {@link SmoothWeightedRoundRobinPicker}, which is exact per window.
 *
 * <p>A pick draws {@code r} in {@code [0, sum)} and binary-searches the cumulative weights for the first
 * bound above {@code r}: O(log n), no allocation. Items of weight 0 are left out when the picker is built.
 *
 * <p>Thread-safe and lock-free: the state is immutable; by default each thread draws from its own
 * {@link ThreadLocalRandom}.
 */
final class RandomWeightedPicker<T> implements WeightedPicker<T> {
  private final List<T> items;
  /** cumulative[i] = sum of the weights of items 0..i; strictly increasing because weight-0 items are dropped. */
  private final long[] cumulative;
  private final long total;
  /** Returns the generator for the calling thread; called once per pick. */
  private final Supplier<? extends RandomGenerator> random;

  RandomWeightedPicker(List<T> items, int[] weights) {
    this(items, weights, ThreadLocalRandom::current);
  }

  /**
   * @param random gives the generator to draw from on the calling thread; a generator shared by several
   *               threads must be thread-safe itself ({@link java.util.Random} is). Tests that pick from one
   *               thread pass a seeded {@link java.util.SplittableRandom}.
   */
  RandomWeightedPicker(List<T> items, int[] weights, Supplier<? extends RandomGenerator> random) {
    Weights.checkAndSum(items, weights);
    this.random = requireNonNull(random, "random");
    List<T> kept = new ArrayList<>();
    long[] bounds = new long[items.size()];
    long sum = 0;
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] > 0) {
        sum += weights[i];
        bounds[kept.size()] = sum;
        kept.add(items.get(i));
      }
    }
    this.items = List.copyOf(kept);
    this.cumulative = Arrays.copyOf(bounds, kept.size());
    this.total = sum;
  }

  @Override
  public T pick() {
    long r = random.get().nextLong(total);
    // binarySearch returns the index of r if it is a bound (then r belongs to the next item), else -(insertion point) - 1.
    int found = Arrays.binarySearch(cumulative, r);
    int index = found >= 0 ? found + 1 : -found - 1;
    return items.get(index);
  }

  @Override
  public String toString() {
    return "RandomWeightedPicker{items=" + Weights.describe(items) + ", total=" + total + '}';
  }
}
