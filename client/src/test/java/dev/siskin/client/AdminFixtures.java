package dev.siskin.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Admin JSON as the real router serves it (captured from router.jar, counts edited): /clusters with 50/50 over
 * the last minute but 70/30 since start, v2 unhealthy; /config after the router rejected a file; /canary with a
 * disagreeing shadow (captured as is); /canary and /config of a router running scripts/demo-rollout.sh errors
 * (captured as is, only the config file's path edited).
 */
public final class AdminFixtures {
  private AdminFixtures() {}

  public static String clusters() {
    return read("/admin/clusters.json");
  }

  /** /canary of a router at 90/10 with shadow v2, v2 started with FAULT_WRONG_RATE=0.3, after the 150 iris rows. */
  public static String canary() {
    return read("/admin/canary.json");
  }

  /** /canary during step 10 of rollout [10, 50, 90, 100], v2 failing 10 % of calls: the judge holds. */
  public static String canaryRolloutRunning() {
    return read("/admin/canary-rollout-running.json");
  }

  /** /config at that moment: the rollout sets v1=90 v2=10, the file says v1=100 v2=0. */
  public static String configRolloutRunning() {
    return read("/admin/config-rollout-running.json");
  }

  /** /canary a second after the errors gate rolled that rollout back. */
  public static String canaryRolledBack() {
    return read("/admin/canary-rollout-rolled-back.json");
  }

  /** /config after the rollback: the rollout's weights v1=100 v2=0 are in force. */
  public static String configRolledBack() {
    return read("/admin/config-rollout-rolled-back.json");
  }

  /** /canary of a router with a rollout block but no rollout started yet. */
  public static String canaryRolloutNeverRan() {
    return read("/admin/canary-rollout-never.json");
  }

  public static String configRejected() {
    return read("/admin/config-rejected.json");
  }

  /** A router's /config with routing { force-header = "x-canary-backend", sticky-header = "x-user-id" }. */
  public static String configWithRouting() {
    return read("/admin/config-routing.json");
  }

  /** The same config state, but the last load of the file was applied. */
  public static String configOk() {
    String ok = configRejected().replaceFirst("\"ok\" : false,\\s*\"error\" : \"[^\"]*\"", "\"ok\" : true, \"error\" : null");
    if (ok.equals(configRejected())) {
      throw new IllegalStateException("config-rejected.json no longer has the lastAttempt this edits");
    }
    return ok;
  }

  private static String read(String resource) {
    try (InputStream in = AdminFixtures.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("test resource " + resource + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
