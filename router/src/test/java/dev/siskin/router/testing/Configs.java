package dev.siskin.router.testing;

import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.Forwarding;
import dev.siskin.router.config.RouterSettings;
import dev.siskin.router.route.Policy;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** Builds config snapshots directly, so router tests do not depend on the file parser. */
public final class Configs {
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 4 << 20;

  private Configs() {}

  public static CanaryConfig of(BackendSpec... backends) {
    return of(DEFAULT_MAX_MESSAGE_BYTES, backends);
  }

  public static CanaryConfig of(int maxMessageBytes, BackendSpec... backends) {
    RouterSettings router = new RouterSettings("127.0.0.1:0", "127.0.0.1:0",
        Policy.SMOOTH_WEIGHTED_ROUND_ROBIN, maxMessageBytes, false);
    return new CanaryConfig(router, List.of(backends), Path.of("test.conf"), Instant.now());
  }

  /** {@code config} forwarded by {@code core} (router.forwarding). */
  public static CanaryConfig withForwarding(CanaryConfig config, Forwarding core) {
    RouterSettings r = config.router();
    return config.withRouter(new RouterSettings(r.listen(), r.admin(), r.policy(), r.maxMessageBytes(),
        r.accessLog(), r.accessLogFormat(), r.failure(), core, r.warmUpCalls()));
  }

  public static BackendSpec backend(TestBackend backend, int weight) {
    return new BackendSpec(backend.name(), backend.target(), weight);
  }
}
