package dev.siskin.router.route;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.config.CanaryConfig;
import java.util.List;

/**
 * One immutable routing snapshot: the backends of one config, their weights and the picker built over them.
 * A reload builds a new table and swaps it in whole; a call reads the current table once and routes with it.
 *
 * @param config   the config it was built from
 * @param backends in config order, one per {@code config.backends()} entry
 * @param picker   picks among {@code backends} by the config's weights and policy
 */
public record RoutingTable(CanaryConfig config, List<Backend> backends, WeightedPicker<Backend> picker) {
  public RoutingTable {
    requireNonNull(config, "config");
    backends = List.copyOf(backends);
    requireNonNull(picker, "picker");
    if (backends.size() != config.backends().size()) {
      throw new IllegalArgumentException(
          "backends: " + backends.size() + " (expected: " + config.backends().size() + ", one per config entry)");
    }
  }

  /** Builds the table: the weights come from {@code config}, in the same order as {@code backends}. */
  public static RoutingTable build(CanaryConfig config, List<Backend> backends, PickerFactory pickers) {
    int[] weights = config.backends().stream().mapToInt(spec -> spec.weight()).toArray();
    return new RoutingTable(config, backends, pickers.create(config.router().policy(), List.copyOf(backends), weights));
  }

  /** The configured weight of the backend at {@code index} in {@link #backends()}. */
  public int weight(int index) {
    return config.backends().get(index).weight();
  }
}
