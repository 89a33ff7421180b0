package dev.siskin.router.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.router.testing.RepoPaths;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The canary.conf both routers of the compose scale-out stand-in read (deploy/compose/config), by the router's own
 * parser: what a router container loads. (The client module's ScaleOutComposeIT checks it against the compose
 * file's services and mounts.)
 */
class ComposeCanaryConfigTest {
  private static final Path FILE = RepoPaths.repoRoot().resolve("deploy/compose/config/canary.conf");

  @Test
  void theSharedConfigIsValidForTheRouterAndRunsOneRolloutForBothRouters() throws Exception {
    CanaryConfig config = CanaryConfigParser.parse(FILE, Map.of(), Clock.systemUTC());
    assertThat(config.backends()).extracting(BackendSpec::target)
        .containsExactly("dns:///model-v1:50051", "dns:///model-v2:50051");
    assertThat(config.rollout().enabled()).as("scripts/demo-scale-out.sh starts it with stage.sh auto").isFalse();
    assertThat(config.rollout().routers()).containsExactly("router-a:9901", "router-b:9901");
    assertThat(config.rollout().stateFile()).isEqualTo("/tmp/siskin-rollout.json");
  }
}
