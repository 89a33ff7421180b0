package dev.siskin.router.route;

import dev.siskin.router.cluster.Backend;
import java.util.List;

/** Builds a weighted picker over backends; {@code WeightedPicker::create} in production, a fake in tests. */
@FunctionalInterface
public interface PickerFactory {
  WeightedPicker<Backend> create(Policy policy, List<Backend> backends, int[] weights);
}
