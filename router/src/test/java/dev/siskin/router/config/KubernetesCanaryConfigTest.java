package dev.siskin.router.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.siskin.router.testing.RepoPaths;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The canary.conf that deploy/k8s puts into the routers' ConfigMap, read by the router's own parser: what a router
 * pod would load. (The client module's KubernetesManifestsIT checks that the rendered ConfigMap holds exactly this
 * file, and that its targets and state file match the rendered Services and volumes.)
 */
class KubernetesCanaryConfigTest {
  private static final Path FILE = RepoPaths.repoRoot().resolve("deploy/k8s/base/canary.conf");

  @Test
  void theConfigMapsCanaryConfIsValidForTheRouter() throws Exception {
    // No environment: in the pod nothing sets SISKIN_* variables, so the file must stand on its own.
    CanaryConfig config = CanaryConfigParser.parse(FILE, Map.of(), Clock.systemUTC());

    assertThat(config.router().listen()).isEqualTo("0.0.0.0:50051");
    assertThat(config.router().admin()).as("reachable on the pod IP for probes and Prometheus")
        .isEqualTo("0.0.0.0:9901");
    assertThat(config.backends()).extracting(BackendSpec::name, BackendSpec::target, BackendSpec::weight)
        .containsExactly(
            tuple("v1", "dns:///siskin-model-v1.siskin.svc.cluster.local:50051", 90),
            tuple("v2", "dns:///siskin-model-v2.siskin.svc.cluster.local:50051", 10));
    assertThat(config.rollout().stateFile()).as("off the read-only ConfigMap mount")
        .isEqualTo("/var/lib/siskin/rollout.json");
    assertThat(config.rollout().routers()).as("every router pod, through the headless admin Service")
        .containsExactly("dns:///siskin-router-admin.siskin.svc.cluster.local:9901");
  }
}
