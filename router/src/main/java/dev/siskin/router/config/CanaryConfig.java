package dev.siskin.router.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * One validated, immutable snapshot of canary.conf. The router never sees a half-valid config:
 * {@link CanaryConfigParser} either returns a whole snapshot or throws {@link ConfigException}.
 *
 * @param router   settings of the router process itself
 * @param routing  the rules that decide a call's backend before the weights
 * @param backends the backends in file order; at least one, names unique, at least one weight > 0
 * @param shadow   which calls are copied to a shadow backend ({@link ShadowSettings#OFF} by default)
 * @param rollout  the automated rollout's plan ({@link RolloutSettings#OFF} by default)
 * @param source   the file it was read from
 * @param loadedAt when it was read
 */
public record CanaryConfig(RouterSettings router, RoutingSettings routing, List<BackendSpec> backends,
    ShadowSettings shadow, RolloutSettings rollout, Path source, Instant loadedAt) {
  public CanaryConfig {
    requireNonNull(router, "router");
    requireNonNull(routing, "routing");
    backends = List.copyOf(backends);
    requireNonNull(shadow, "shadow");
    requireNonNull(rollout, "rollout");
    requireNonNull(source, "source");
    requireNonNull(loadedAt, "loadedAt");
  }

  /** A config with the routing rules of reference.conf and no shadow traffic. */
  public CanaryConfig(RouterSettings router, List<BackendSpec> backends, Path source, Instant loadedAt) {
    this(router, RoutingSettings.defaults(), backends, ShadowSettings.OFF, RolloutSettings.OFF, source, loadedAt);
  }

  /**
   * True when both declare the same settings, rules, backends, shadow and rollout, whenever and wherever they were
   * read.
   */
  public boolean sameContent(CanaryConfig other) {
    return other != null && router.equals(other.router) && routing.equals(other.routing)
        && backends.equals(other.backends) && shadow.equals(other.shadow) && rollout.equals(other.rollout);
  }

  /** The same config with other router settings, everything else kept (routing rules, backends, shadow, ...). */
  public CanaryConfig withRouter(RouterSettings settings) {
    return new CanaryConfig(settings, routing, backends, shadow, rollout, source, loadedAt);
  }

  /** The same config with other shadow settings (for tests and tools). */
  public CanaryConfig withShadow(ShadowSettings settings) {
    return new CanaryConfig(router, routing, backends, settings, rollout, source, loadedAt);
  }

  /** The same config with other routing rules (for tests and tools). */
  public CanaryConfig withRouting(RoutingSettings rules) {
    return new CanaryConfig(router, rules, backends, shadow, rollout, source, loadedAt);
  }

  /** The same config with these backends (the rollout's weights over the file's). */
  public CanaryConfig withBackends(List<BackendSpec> specs) {
    return new CanaryConfig(router, routing, specs, shadow, rollout, source, loadedAt);
  }
}
