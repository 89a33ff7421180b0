package dev.siskin.router.testing;

import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.RouterSettings;
import dev.siskin.router.route.Policy;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** Builds config snapshots directly, so router tests do not depend on the file parser. */
public final class Configs {
  private Configs() {}

  public static CanaryConfig of(BackendSpec... backends) {
    RouterSettings router = new RouterSettings("127.0.0.1:0", "127.0.0.1:0",
        Policy.SMOOTH_WEIGHTED_ROUND_ROBIN, false);
    return new CanaryConfig(router, List.of(backends), Path.of("test.conf"), Instant.now());
  }

  public static BackendSpec backend(TestBackend backend, int weight) {
    return new BackendSpec(backend.name(), backend.target(), weight);
  }
}
