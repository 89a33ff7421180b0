package dev.siskin.router.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The product as a user runs it: model servers v1 and v2 (real jars) and the router jar on a canary.conf
 * in a test's directory, plus a client of the router. {@link #close()} stops all of them by PID.
 */
final class E2eCluster implements AutoCloseable {
  final ModelServerJar v1;
  final ModelServerJar v2;
  final RouterJar router;
  final PredictClient client;
  /** The path the router was given (may be a symlink, as in a ConfigMap mount). */
  final Path config;

  private E2eCluster(ModelServerJar v1, ModelServerJar v2, RouterJar router, Path config) {
    this.v1 = v1;
    this.v2 = v2;
    this.router = router;
    this.config = config;
    this.client = new PredictClient(router.port());
  }

  /** Writes canary.conf for the picked ports; {@code writer} decides how (a plain file, a ConfigMap mount). */
  @FunctionalInterface
  interface InitialConfig {
    void write(Path config, CanaryConf conf) throws IOException;
  }

  static E2eCluster start(String name, Path config, int v1Weight, int v2Weight, Map<String, String> v1Env,
      InitialConfig initial) throws IOException, InterruptedException {
    return start(name, config, v1Weight, v2Weight, v1Env, initial, RouterJar.JVM_OPTIONS);
  }

  /** As above, the router's JVM started with {@code routerJvmOptions}. */
  static E2eCluster start(String name, Path config, int v1Weight, int v2Weight, Map<String, String> v1Env,
      InitialConfig initial, List<String> routerJvmOptions) throws IOException, InterruptedException {
    ModelServerJar v1 = null;
    ModelServerJar v2 = null;
    try {
      v1 = ModelServerJar.start("v1.0.0", v1Env);
      v2 = ModelServerJar.start("v2.0.0", Map.of());
      ModelServerJar one = v1;
      ModelServerJar two = v2;
      RouterJar router = RouterJar.start(name, config,
          (listen, admin) -> initial.write(config, CanaryConf.of(listen, admin, one, two, v1Weight, v2Weight)),
          routerJvmOptions);
      return new E2eCluster(v1, v2, router, config);
    } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
      closeAll(null, v1, v2);
      throw e;
    }
  }

  static E2eCluster start(String name, Path dir, int v1Weight, int v2Weight) throws IOException, InterruptedException {
    return start(name, dir.resolve("canary.conf"), v1Weight, v2Weight, Map.of(),
        (config, conf) -> Files.writeString(config, conf.render()));
  }

  AdminClient admin() {
    return router.admin();
  }

  /** The config text the router was started with, for other weights (same ports and targets). */
  CanaryConf conf(int v1Weight, int v2Weight) throws IOException, InterruptedException {
    JsonNode c = admin().config();
    JsonNode router = c.get("router");
    return new CanaryConf(Integer.parseInt(router.get("listen").asText().replaceAll(".*:", "")),
        router.get("admin").asText(), v1.target(), v1Weight, v2.target(), v2Weight, Map.of());
  }

  /** Backend name to weight in the config in force, from /config. */
  static Map<String, Integer> weights(JsonNode config) {
    Map<String, Integer> weights = new HashMap<>();
    config.get("backends").forEach(b -> weights.put(b.get("name").asText(), b.get("weight").asInt()));
    return weights;
  }

  static boolean hasWeights(JsonNode config, int v1, int v2) {
    return weights(config).equals(Map.of("v1", v1, "v2", v2));
  }

  /**
   * Moves the canary with the real stage.sh and waits (10 s bound) until the router runs the new weights.
   * Returns {@code System.nanoTime()} right after stage.sh exited.
   */
  long stage(String stage) throws IOException, InterruptedException {
    int[] w = StageScript.weights(stage);
    JsonNode before = admin().config();
    long generation = before.get("generation").asLong();
    StageScript.run(config, stage);
    long exited = System.nanoTime();
    if (!hasWeights(before, w[0], w[1])) {
      admin().awaitConfig(c -> c.get("generation").asLong() > generation && hasWeights(c, w[0], w[1]),
          Duration.ofSeconds(10), "weights " + w[0] + "/" + w[1] + " after stage.sh " + stage);
    }
    return exited;
  }

  @Override
  public void close() throws InterruptedException {
    try {
      client.close();
    } finally {
      closeAll(router, v1, v2);
    }
  }

  private static void closeAll(RouterJar router, ModelServerJar v1, ModelServerJar v2) throws InterruptedException {
    // Router first: model servers going away under it would only add noise to its log.
    for (AutoCloseable c : new AutoCloseable[] {router, v1, v2}) {
      if (c == null) {
        continue;
      }
      try {
        c.close();
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("could not stop " + c, e);
      }
    }
  }
}
