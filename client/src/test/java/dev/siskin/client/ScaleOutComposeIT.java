package dev.siskin.client;

import static dev.siskin.client.RepoFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * deploy/compose/scale-out.yaml kept in step with its config, the images build-images.sh builds and the ports
 * scripts/demo-scale-out.sh calls. The stack itself is started by that script (.ci/run), not here.
 */
class ScaleOutComposeIT {
  private static final List<String> ROUTERS = List.of("router-a", "router-b");
  private Path root;
  private Map<String, Object> services;

  @BeforeEach
  void read() throws Exception {
    root = RepoFiles.root();
    services = map(RepoFiles.yaml(root.resolve("deploy/compose/scale-out.yaml")).get("services"), "services");
  }

  private Map<String, Object> service(String name) {
    return map(services.get(name), "service " + name);
  }

  @SuppressWarnings("unchecked")
  private List<String> list(String service, String key) {
    return (List<String>) service(service).get(key);
  }

  @Test
  void twoReplicasOfV1ThreeOfV2AndTwoRouters() throws Exception {
    assertThat(services).containsOnlyKeys("model-v1", "model-v2", "router-a", "router-b");
    assertThat(map(service("model-v1").get("deploy"), "deploy").get("replicas")).isEqualTo(2);
    assertThat(map(service("model-v2").get("deploy"), "deploy").get("replicas")).isEqualTo(3);
    assertThat(service("model-v1").get("image")).isEqualTo("siskin-model:v1.0.0");
    assertThat(service("model-v2").get("image")).isEqualTo("siskin-model:v2.0.0");
    for (String r : ROUTERS) {
      assertThat(service(r).get("image")).isEqualTo("siskin-router:" + RepoFiles.projectVersion());
    }
    String buildScript = Files.readString(root.resolve("scripts/build-images.sh"));
    assertThat(buildScript).contains("v1.0.0").contains("v2.0.0");
  }

  @Test
  void eachRouterPublishesOnLoopbackThePortsTheScriptCalls() throws Exception {
    String script = Files.readString(root.resolve("scripts/demo-scale-out.sh"));
    for (String r : ROUTERS) {
      List<String> ports = list(r, "ports");
      assertThat(ports).hasSize(2).allMatch(p -> p.startsWith("127.0.0.1:"));
      for (String p : ports) {
        String[] parts = p.split(":");
        String container = parts[2];
        assertThat(container).isIn("50051", "9901");
        assertThat(script).as("demo-scale-out.sh calls " + p).contains("127.0.0.1:" + parts[1]);
      }
    }
    assertThat(list("router-a", "ports")).doesNotContainAnyElementsOf(list("router-b", "ports"));
    for (String m : List.of("model-v1", "model-v2")) {
      assertThat(list(m, "ports")).as("replicas cannot share a host port").containsExactly("127.0.0.1::9100");
    }
  }

  @Test
  void routersReadOneConfigWhoseDnsTargetsNameTheModelServices() {
    for (String r : ROUTERS) {
      assertThat(list(r, "volumes")).containsExactly("./config:/etc/siskin:ro");
      assertThat(map(service(r).get("environment"), "environment"))
          .containsEntry("CANARY_CONFIG", "/etc/siskin/canary.conf");
    }
    Path conf = root.resolve("deploy/compose/config/canary.conf");
    assertThat(conf).isRegularFile();
    Config config = ConfigFactory.parseFile(conf.toFile()).resolve();
    assertThat(config.getString("router.admin")).isEqualTo("0.0.0.0:9901");
    assertThat(config.getString("router.listen")).isEqualTo("0.0.0.0:50051");
    for (String v : List.of("v1", "v2")) {
      String target = config.getString("backends." + v + ".target");
      assertThat(target).isEqualTo("dns:///model-" + v + ":50051");
      assertThat(map(service("model-" + v).get("environment"), "environment")).containsEntry("PORT", "50051");
    }
    // One rollout for both routers: each is named by its service and the admin port of the shared config.
    assertThat(config.getStringList("rollout.routers"))
        .containsExactlyElementsOf(ROUTERS.stream().map(r -> r + ":9901").toList());
    assertThat(config.getString("rollout.state-file")).as("off the read-only config mount").startsWith("/tmp/");
  }

  @Test
  void limitsAreStatedAndStopsOutlastTheModelServersDrain() {
    Pattern seconds = Pattern.compile("(\\d+)s");
    for (String s : services.keySet()) {
      Map<String, Object> ulimits = map(service(s).get("ulimits"), "ulimits of " + s);
      assertThat(ulimits).containsKeys("nofile", "nproc");
      assertThat(service(s).get("pull_policy")).as(s).isEqualTo("never");
      var grace = seconds.matcher(String.valueOf(service(s).get("stop_grace_period")));
      assertThat(grace.matches()).as("stop_grace_period of " + s).isTrue();
      assertThat(Integer.parseInt(grace.group(1))).as("longer than 3 s accepting + 10 s finishing").isGreaterThan(13);
    }
  }
}
