package dev.siskin.client;

import static dev.siskin.client.RepoFiles.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yaml kept in step with the config, the Dockerfiles and the build script, since no Docker engine
 * runs where the tests run.
 */
class ComposeFileIT {
  private Path root;
  private Map<String, Object> services;

  @BeforeEach
  void read() throws Exception {
    root = RepoFiles.root();
    services = map(RepoFiles.yaml(root.resolve("docker-compose.yaml")).get("services"), "services");
  }

  private Map<String, Object> service(String name) {
    return map(services.get(name), "service " + name);
  }

  /** {@code environment:} as a map, whether written as a map or as a list of NAME=value. */
  private Map<String, String> environment(String name) {
    Object env = service(name).get("environment");
    Map<String, String> out = new HashMap<>();
    if (env instanceof Map<?, ?> m) {
      m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
    } else if (env instanceof List<?> l) {
      l.forEach(e -> {
        String s = String.valueOf(e);
        out.put(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
      });
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private List<String> list(String service, String key) {
    return (List<String>) service(service).get(key);
  }

  @Test
  void hasTheThreeServicesWithRestartPolicy() {
    assertThat(services).containsOnlyKeys("model-v1", "model-v2", "router");
    services.keySet().forEach(s -> assertThat(service(s).get("restart")).as(s).isEqualTo("unless-stopped"));
  }

  @Test
  void routerMountsTheConfigDirectoryNotTheFile() {
    Map<String, String> env = environment("router");
    String configFile = env.get("CANARY_CONFIG");
    assertThat(configFile).isEqualTo("/etc/siskin/canary.conf");
    List<String> volumes = list("router", "volumes");
    assertThat(volumes).hasSize(1);
    String[] parts = volumes.get(0).split(":");
    assertThat(parts[0]).as("host side: the config directory").isEqualTo("./config");
    assertThat(parts[1]).as("container side: the directory holding CANARY_CONFIG")
        .isEqualTo(Path.of(configFile).getParent().toString());
    if (Files.exists(root.resolve("config"))) {
      assertThat(root.resolve("config")).isDirectory();
    }
    // The image's default config path is the one compose points at, so the mount replaces it.
    assertThat(dockerfileEnv("Dockerfile.router")).contains("CANARY_CONFIG=" + configFile);
  }

  @Test
  void routerPortsArePublishedAsDocumented() {
    assertThat(list("router", "ports")).containsExactlyInAnyOrder("50051:50051", "127.0.0.1:9901:9901");
    // Inside the container the admin endpoint must bind beyond loopback, on the published container port.
    assertThat(environment("router")).containsEntry("SISKIN_ADMIN", "0.0.0.0:9901");
  }

  @Test
  void targetsNameTheModelServicesAndTheirPorts() {
    Map<String, String> env = environment("router");
    for (String v : List.of("v1", "v2")) {
      String service = "model-" + v;
      Map<String, String> modelEnv = environment(service);
      assertThat(env).as("router's target for " + v)
          .containsEntry("SISKIN_" + v.toUpperCase() + "_TARGET", service + ":" + modelEnv.get("PORT"));
      String metricsPort = modelEnv.get("METRICS_PORT");
      assertThat(list(service, "ports")).as(service + " metrics published on the host's loopback")
          .singleElement().asString().startsWith("127.0.0.1:").endsWith(":" + metricsPort);
    }
    assertThat(list("model-v1", "ports")).containsExactly("127.0.0.1:9102:9100");
    assertThat(list("model-v2", "ports")).containsExactly("127.0.0.1:9103:9100");
  }

  @Test
  void routerWaitsForHealthyModelServers() {
    Map<String, Object> dependsOn = map(service("router").get("depends_on"), "router depends_on");
    assertThat(dependsOn).containsOnlyKeys("model-v1", "model-v2");
    dependsOn.values().forEach(d -> assertThat(map(d, "condition")).containsEntry("condition", "service_healthy"));
  }

  @Test
  void imagesAreTheOnesBuildImagesBuilds() throws Exception {
    String script = Files.readString(root.resolve("scripts/build-images.sh"));
    for (String v : List.of("v1", "v2")) {
      Map<String, Object> build = map(service("model-" + v).get("build"), "build of model-" + v);
      assertThat(build).containsEntry("dockerfile", "Dockerfile.model").containsEntry("context", ".");
      String modelVersion = String.valueOf(map(build.get("args"), "args").get("MODEL_VERSION"));
      assertThat(modelVersion).isEqualTo(v + ".0.0");
      assertThat(service("model-" + v).get("image")).isEqualTo("siskin-model:" + modelVersion);
      assertThat(script).contains(modelVersion);
    }
    assertThat(map(service("router").get("build"), "router build")).containsEntry("dockerfile", "Dockerfile.router");
    assertThat(service("router").get("image")).isEqualTo("siskin-router:" + RepoFiles.projectVersion());
  }

  /**
   * The router resolves canary.conf's {@code ${?ENV}} overrides against its environment; resolving the real
   * file the same way (file over environment, as the router's parser does) with compose's environment must give
   * the compose targets, and with none the local defaults that run-local.sh's ports assume.
   */
  @Test
  void canaryConfOverridesMatchComposeAndLocalDefaults() {
    Path conf = root.resolve("config/canary.conf");
    assumeTrue(Files.exists(conf), "config/canary.conf is not in this checkout (it comes with the config work); "
        + "skipping the check of its ${?ENV} overrides");
    Config compose = resolve(conf, environment("router"));
    assertThat(compose.getString("backends.v1.target"))
        .as("config/canary.conf needs  v1.target = ${?SISKIN_V1_TARGET}  in backends").isEqualTo("model-v1:50051");
    assertThat(compose.getString("backends.v2.target"))
        .as("config/canary.conf needs  v2.target = ${?SISKIN_V2_TARGET}  in backends").isEqualTo("model-v2:50051");
    assertThat(compose.getString("router.admin"))
        .as("config/canary.conf needs  admin = ${?SISKIN_ADMIN}  in router").isEqualTo("0.0.0.0:9901");
    assertThat(compose.getString("router.listen")).endsWith(":50051");

    Config local = resolve(conf, Map.of());
    assertThat(local.getString("backends.v1.target")).isEqualTo("127.0.0.1:50052");
    assertThat(local.getString("backends.v2.target")).isEqualTo("127.0.0.1:50053");
    assertThat(local.getString("router.admin")).isEqualTo("127.0.0.1:9901");
    assertThat(local.getString("router.listen")).endsWith(":50051");

    Config localRun = resolve(conf, Map.of("SISKIN_LISTEN", "0.0.0.0:1", "SISKIN_ADMIN", "127.0.0.1:2",
        "SISKIN_V1_TARGET", "127.0.0.1:3", "SISKIN_V2_TARGET", "127.0.0.1:4"));
    assertThat(localRun.getString("router.listen"))
        .as("config/canary.conf needs  listen = ${?SISKIN_LISTEN}  in router (run-local.sh sets it)")
        .isEqualTo("0.0.0.0:1");
  }

  private static Config resolve(Path conf, Map<String, String> env) {
    Config file = ConfigFactory.parseFile(conf.toFile(),
        ConfigParseOptions.defaults().setAllowMissing(false).setSyntax(ConfigSyntax.CONF));
    return file.withFallback(ConfigValueFactory.fromMap(env, "environment").toConfig())
        .resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
  }

  private List<String> dockerfileEnv(String name) {
    try {
      return Dockerfile.read(root.resolve(name)).runtime().all("ENV").stream()
          .flatMap(e -> List.of(e.split("\\s+")).stream()).toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
