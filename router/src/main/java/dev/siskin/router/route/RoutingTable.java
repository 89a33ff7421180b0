package dev.siskin.router.route;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.cluster.ClusterMembers;
import dev.siskin.router.config.CanaryConfig;
import java.util.Arrays;
import java.util.List;

/**
 * One immutable routing snapshot: the backends of one config, their weights and the picker built over them.
 * A reload, and any change of which backends are healthy, builds a new table and swaps it in whole; a call
 * reads the current table once and routes with it.
 *
 * @param config         the config it was built from
 * @param backends       in config order, one per {@code config.backends()} entry
 * @param picker         picks among {@code backends} by {@code weightsInForce} and the config's policy
 * @param panic          true when no backend with a positive weight was routable, so the picker uses the
 *                       configured weights for all of them
 * @param weightsInForce the weights the picker was built with: the configured ones, with 0 for backends that
 *                       were unhealthy or ejected at build time (see {@link HealthyWeights})
 */
public record RoutingTable(CanaryConfig config, List<Backend> backends, WeightedPicker<Backend> picker,
    boolean panic, List<Integer> weightsInForce) implements ClusterMembers {
  public RoutingTable {
    requireNonNull(config, "config");
    backends = List.copyOf(backends);
    requireNonNull(picker, "picker");
    weightsInForce = List.copyOf(weightsInForce);
    if (backends.size() != config.backends().size() || weightsInForce.size() != backends.size()) {
      throw new IllegalArgumentException("backends: " + backends.size() + ", weights: " + weightsInForce.size()
          + " (expected: " + config.backends().size() + " each, one per config entry)");
    }
  }

  /** A table outside panic mode that routes by the configured weights. */
  public RoutingTable(CanaryConfig config, List<Backend> backends, WeightedPicker<Backend> picker) {
    this(config, backends, picker, false, config.backends().stream().map(spec -> spec.weight()).toList());
  }

  /**
   * Builds the table: the weights come from {@code config}, in the same order as {@code backends}, with the
   * backends that are not routable now (health checks, ejection) left out.
   */
  public static RoutingTable build(CanaryConfig config, List<Backend> backends, PickerFactory pickers) {
    HealthyWeights weights = weightsNow(config, backends);
    return new RoutingTable(config, backends,
        pickers.create(config.router().policy(), List.copyOf(backends), weights.weights()), weights.panic(),
        Arrays.stream(weights.weights()).boxed().toList());
  }

  private static HealthyWeights weightsNow(CanaryConfig config, List<Backend> backends) {
    int[] configured = config.backends().stream().mapToInt(spec -> spec.weight()).toArray();
    boolean[] routable = new boolean[backends.size()];
    for (int i = 0; i < routable.length; i++) {
      routable[i] = backends.get(i).health().routable();
    }
    return HealthyWeights.of(configured, routable);
  }

  /** Whether {@code other} routes the same way: same config, backends, weights in force and panic mode. */
  public boolean sameRouting(RoutingTable other) {
    return other != null && config == other.config && backends.equals(other.backends) && panic == other.panic
        && weightsInForce.equals(other.weightsInForce);
  }

  /** The configured weight of the backend at {@code index} in {@link #backends()}. */
  public int weight(int index) {
    return config.backends().get(index).weight();
  }
}
