package dev.siskin.router.testing;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.route.Policy;
import dev.siskin.router.route.WeightedPicker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Test-only picker: cycles through the items, each repeated weight times ({@code a a a b} for 3:1), so a test
 * can predict exactly which backend gets which call. Stands in for the real pickers, which the routing work
 * provides; the forwarding tests must not depend on their algorithm.
 */
public final class CyclingPicker<T> implements WeightedPicker<T> {
  private final List<T> sequence;
  private final AtomicLong next = new AtomicLong();

  private CyclingPicker(List<T> sequence) {
    this.sequence = List.copyOf(sequence);
  }

  public static WeightedPicker<Backend> create(Policy policy, List<Backend> items, int[] weights) {
    List<Backend> sequence = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      for (int w = 0; w < weights[i]; w++) {
        sequence.add(items.get(i));
      }
    }
    return new CyclingPicker<>(sequence);
  }

  @Override
  public T pick() {
    return sequence.get((int) (next.getAndIncrement() % sequence.size()));
  }

}
