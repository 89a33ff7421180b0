package dev.siskin.router.route;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.cluster.ClusterMembers;
import dev.siskin.router.config.CanaryConfig;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One immutable routing snapshot: the backends of one config, their weights, the picker built over them and
 * what the routing rules need (backend names, shares, the rendezvous hash, the header keys). A reload, and any
 * change of which backends are healthy, builds a new table and swaps it in whole; a call reads the current
 * table once and routes with it.
 */
public final class RoutingTable implements ClusterMembers {
  private final CanaryConfig config;
  private final List<Backend> backends;
  private final WeightedPicker<Backend> picker;
  private final boolean panic;
  private final List<Integer> weightsInForce;
  private final int[] inForce;
  private final int[] configured;
  private final double[] shares;
  private final Map<String, Integer> indexByName;
  private final Map<Backend, Integer> indexByBackend;
  private final Rendezvous rendezvous;
  private final RoutingRules rules;

  /**
   * @param config         the config it was built from
   * @param backends       in config order, one per {@code config.backends()} entry
   * @param picker         picks among {@code backends} by {@code weightsInForce} and the config's policy
   * @param panic          true when no backend with a positive weight was routable, so the picker uses the
   *                       configured weights for all of them
   * @param weightsInForce the weights the picker was built with: the configured ones, with 0 for backends that
   *                       were unhealthy or ejected at build time (see {@link HealthyWeights})
   */
  public RoutingTable(CanaryConfig config, List<Backend> backends, WeightedPicker<Backend> picker, boolean panic,
      List<Integer> weightsInForce) {
    this.config = requireNonNull(config, "config");
    this.backends = List.copyOf(backends);
    this.picker = requireNonNull(picker, "picker");
    this.panic = panic;
    this.weightsInForce = List.copyOf(weightsInForce);
    if (this.backends.size() != config.backends().size() || this.weightsInForce.size() != this.backends.size()) {
      throw new IllegalArgumentException("backends: " + this.backends.size() + ", weights: "
          + this.weightsInForce.size() + " (expected: " + config.backends().size() + " each, one per config entry)");
    }
    this.inForce = this.weightsInForce.stream().mapToInt(Integer::intValue).toArray();
    this.configured = config.backends().stream().mapToInt(spec -> spec.weight()).toArray();
    long sum = Arrays.stream(inForce).asLongStream().sum();
    this.shares = Arrays.stream(inForce).mapToDouble(w -> sum == 0 ? 0.0 : (double) w / sum).toArray();
    Map<String, Integer> byName = new HashMap<>();
    Map<Backend, Integer> byBackend = new IdentityHashMap<>();
    for (int i = 0; i < this.backends.size(); i++) {
      byName.put(this.backends.get(i).name(), i);
      byBackend.put(this.backends.get(i), i);
    }
    this.indexByName = Map.copyOf(byName);
    this.indexByBackend = byBackend;
    this.rendezvous = new Rendezvous(this.backends.stream().map(Backend::name).toList());
    this.rules = RoutingRules.of(config.routing());
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
    boolean[] routable = new boolean[backends.size()];
    for (int i = 0; i < routable.length; i++) {
      routable[i] = backends.get(i).health().routable();
    }
    return build(config, backends, pickers, routable);
  }

  /** As {@link #build(CanaryConfig, List, PickerFactory)}, with the routable backends given (for tests). */
  static RoutingTable build(CanaryConfig config, List<Backend> backends, PickerFactory pickers, boolean[] routable) {
    int[] weights = config.backends().stream().mapToInt(spec -> spec.weight()).toArray();
    HealthyWeights healthy = HealthyWeights.of(weights, routable);
    return new RoutingTable(config, backends,
        pickers.create(config.router().policy(), List.copyOf(backends), healthy.weights()), healthy.panic(),
        Arrays.stream(healthy.weights()).boxed().toList());
  }

  @Override
  public CanaryConfig config() {
    return config;
  }

  /** In config order, one per {@code config().backends()} entry. */
  @Override
  public List<Backend> backends() {
    return backends;
  }

  /** Picks among the backends by the weights in force and the config's policy. */
  public WeightedPicker<Backend> picker() {
    return picker;
  }

  /** True when no backend with a positive weight was routable, so the weights in force are the configured ones. */
  public boolean panic() {
    return panic;
  }

  /** The weights the picker was built with: the configured ones, 0 for backends unroutable at build time. */
  public List<Integer> weightsInForce() {
    return weightsInForce;
  }

  /** Whether {@code other} routes the same way: same config, backends, weights in force and panic mode. */
  public boolean sameRouting(RoutingTable other) {
    return other != null && config == other.config && backends.equals(other.backends) && panic == other.panic
        && weightsInForce.equals(other.weightsInForce);
  }

  /** The configured weight of the backend at {@code index} in {@link #backends()}. */
  public int weight(int index) {
    return configured[index];
  }

  /** The share of the weights in force of the backend at {@code index}: the chance the weights give it a call. */
  public double share(int index) {
    return shares[index];
  }

  /** The share of the weights in force of {@code backend}; 0.0 when it is not in this table. */
  public double shareOf(Backend backend) {
    Integer index = indexByBackend.get(backend);
    return index == null ? 0.0 : shares[index];
  }

  /** The index in {@link #backends()} of the backend named {@code name}, or -1. */
  int indexOf(String name) {
    Integer index = indexByName.get(name);
    return index == null ? -1 : index;
  }

  /** The weights in force as an array, one per backend; not to be modified. */
  int[] inForce() {
    return inForce;
  }

  /** The configured weights as an array, one per backend; not to be modified. */
  int[] configured() {
    return configured;
  }

  Rendezvous rendezvous() {
    return rendezvous;
  }

  RoutingRules rules() {
    return rules;
  }

  @Override
  public String toString() {
    return "RoutingTable{backends=" + backends.stream().map(Backend::name).toList() + ", weightsInForce="
        + weightsInForce + ", panic=" + panic + ", routing=" + config.routing() + '}';
  }
}
