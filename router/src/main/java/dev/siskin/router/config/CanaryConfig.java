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
 * @param backends the backends in file order; at least one, names unique, at least one weight > 0
 * @param shadow   which calls are copied to a shadow backend ({@link ShadowSettings#OFF} by default)
 * @param source   the file it was read from
 * @param loadedAt when it was read
 */
public record CanaryConfig(RouterSettings router, List<BackendSpec> backends, ShadowSettings shadow, Path source,
    Instant loadedAt) {
  public CanaryConfig {
    requireNonNull(router, "router");
    backends = List.copyOf(backends);
    requireNonNull(shadow, "shadow");
    requireNonNull(source, "source");
    requireNonNull(loadedAt, "loadedAt");
  }

  /** A snapshot without shadow traffic. */
  public CanaryConfig(RouterSettings router, List<BackendSpec> backends, Path source, Instant loadedAt) {
    this(router, backends, ShadowSettings.OFF, source, loadedAt);
  }

  /** True when both declare the same settings and backends, whenever and wherever they were read. */
  public boolean sameContent(CanaryConfig other) {
    return other != null && router.equals(other.router) && backends.equals(other.backends)
        && shadow.equals(other.shadow);
  }
}
