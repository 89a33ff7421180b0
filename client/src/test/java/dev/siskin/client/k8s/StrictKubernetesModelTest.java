package dev.siskin.client.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The strict parse fails on every kind of unknown field, wherever it sits, and passes a correct manifest. */
class StrictKubernetesModelTest {
  /** A small but complete Deployment; each test misspells one thing in it. */
  private static final String DEPLOYMENT = """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: demo
        labels:
          any.label/is-fine: "yes"
      spec:
        replicas: 2
        selector:
          matchLabels:
            app: demo
        template:
          metadata:
            labels:
              app: demo
          spec:
            containers:
              - name: demo
                image: demo:1
                readinessProbe:
                  grpc:
                    port: 50051
                resources:
                  limits:
                    memory: 512Mi
      """;

  @Test
  void aCorrectManifestParsesIntoTheTypedModel() {
    List<HasMetadata> objects = StrictKubernetesModel.parse(DEPLOYMENT + "---\n" + DEPLOYMENT.replace("demo", "other"));
    assertThat(objects).hasSize(2).allMatch(o -> o instanceof Deployment);
    Deployment d = (Deployment) objects.get(0);
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getReadinessProbe().getGrpc().getPort())
        .isEqualTo(50051);
  }

  @Test
  void aMisspeltTopLevelSpecFieldFails() {
    assertUnknown(DEPLOYMENT.replace("  replicas: 2", "  replica: 2"), "Deployment demo: spec: unknown field 'replica'");
  }

  @Test
  void aMisspeltFieldDeepInsideAListElementFails() {
    assertUnknown(DEPLOYMENT.replace("port: 50051", "portt: 50051"),
        "Deployment demo: spec.template.spec.containers[0].readinessProbe.grpc: unknown field 'portt'");
  }

  @Test
  void aFieldAtTheWrongLevelFails() {
    // subPath belongs to a volumeMount, not to the container.
    assertUnknown(DEPLOYMENT.replace("    image: demo:1", "    image: demo:1\n          subPath: canary.conf"),
        "Deployment demo: spec.template.spec.containers[0]: unknown field 'subPath'");
  }

  @Test
  void aMisspeltMetadataOrTopLevelFieldFails() {
    assertUnknown(DEPLOYMENT.replace("  labels:\n    any", "  lables:\n    any"),
        "Deployment demo: metadata: unknown field 'lables'");
    assertUnknown(DEPLOYMENT.replace("spec:\n  replicas", "sepc:\n  replicas"), "Deployment demo: unknown field 'sepc'");
  }

  @Test
  void aMisspeltFieldOfAServiceMonitorFails() {
    String monitor = """
        apiVersion: monitoring.coreos.com/v1
        kind: ServiceMonitor
        metadata: {name: demo}
        spec:
          selector: {matchLabels: {a: b}}
          endpoints:
            - port: admin
              intervall: 15s
        """;
    assertUnknown(monitor, "ServiceMonitor demo: spec.endpoints[0]: unknown field 'intervall'");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    String twoBad = DEPLOYMENT.replace("  replicas: 2", "  replica: 2") + "---\n"
        + DEPLOYMENT.replace("demo", "other").replace("limits:", "limts:");
    assertThatThrownBy(() -> StrictKubernetesModel.parse(twoBad))
        .hasMessage("Deployment demo: spec: unknown field 'replica'\n"
            + "Deployment other: spec.template.spec.containers[0].resources: unknown field 'limts'");
  }

  @Test
  void aValueOfTheWrongTypeFails() {
    assertThatThrownBy(() -> StrictKubernetesModel.parse(DEPLOYMENT.replace("replicas: 2", "replicas: two")))
        .isInstanceOf(StrictKubernetesModel.InvalidManifestException.class)
        .hasMessageStartingWith("document 1 (apps/v1/Deployment): ")
        .hasMessageContaining("two");
  }

  @Test
  void anUnknownOrRetiredKindFails() {
    assertThatThrownBy(() -> StrictKubernetesModel.parse(DEPLOYMENT.replace("kind: Deployment", "kind: Deploymnet")))
        .hasMessageStartingWith("document 1: unknown apiVersion/kind apps/v1/Deploymnet (expected one of ");
    assertThatThrownBy(() -> StrictKubernetesModel.parse("apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\n"))
        .hasMessageStartingWith("document 1: unknown apiVersion/kind policy/v1beta1/PodDisruptionBudget");
  }

  private static void assertUnknown(String yaml, String problem) {
    assertThatThrownBy(() -> StrictKubernetesModel.parse(yaml))
        .isInstanceOf(StrictKubernetesModel.InvalidManifestException.class)
        .hasMessage(problem);
  }
}
