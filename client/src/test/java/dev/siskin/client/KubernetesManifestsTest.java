package dev.siskin.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.siskin.client.k8s.Kustomize;
import dev.siskin.client.k8s.ManifestChecks;
import dev.siskin.client.k8s.StrictKubernetesModel;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * deploy/k8s checked offline, as strictly as this machine allows without an API server: {@code kubectl kustomize}
 * renders the base and the example overlay, fabric8's typed model parses every object and refuses any field it does
 * not know, and {@link ManifestChecks} holds the objects to each other, to the Dockerfiles and to canary.conf.
 */
class KubernetesManifestsTest {
  /** The routers' planned DNS re-resolution interval (5 s, Envoy's default) plus CoreDNS's record TTL (5 s). */
  private static final long MIN_MODEL_PRE_STOP_SECONDS = 10;

  private Path root;
  private Path k8s;

  @BeforeEach
  void locate() {
    root = RepoFiles.root();
    k8s = root.resolve("deploy/k8s");
  }

  @Test
  void baseRendersAndPassesEveryCheck() throws Exception {
    List<HasMetadata> objects = render(k8s);
    assertThat(ManifestChecks.problems(objects, expectations())).isEmpty();
    assertThat(names(objects)).containsExactly(
        "ConfigMap siskin-router-config",
        "Deployment siskin-model-v1", "Deployment siskin-model-v2", "Deployment siskin-router",
        "Namespace siskin",
        "PodDisruptionBudget siskin-model-v1", "PodDisruptionBudget siskin-router",
        "Service siskin-model-v1", "Service siskin-model-v2", "Service siskin-router", "Service siskin-router-admin",
        "ServiceAccount siskin");
  }

  @Test
  void exampleOverlayRendersAndPassesEveryCheck() throws Exception {
    List<HasMetadata> objects = render(k8s.resolve("overlays/example"));
    assertThat(ManifestChecks.problems(objects, expectations())).isEmpty();
    assertThat(names(objects)).contains("NetworkPolicy siskin-model", "NetworkPolicy siskin-router",
        "ServiceMonitor siskin");
    assertThat(images(objects)).containsExactlyInAnyOrder("registry.example.com/siskin/siskin-model:v1.0.0",
        "registry.example.com/siskin/siskin-model:v2.0.0", "registry.example.com/siskin/siskin-router:0.1.0");
    assertThat(deployment(objects, "siskin-model-v2").getSpec().getReplicas()).isEqualTo(2);
  }

  @Test
  void theConfigMapHoldsCanaryConfUnchanged() throws Exception {
    // The router module's KubernetesCanaryConfigTest reads that file with the router's own parser.
    ConfigMap config = (ConfigMap) render(k8s).stream().filter(o -> o instanceof ConfigMap).findFirst().orElseThrow();
    assertThat(config.getData()).containsOnlyKeys("canary.conf")
        .containsEntry("canary.conf", Files.readString(k8s.resolve("base/canary.conf")));
  }

  @Test
  void theBaseUsesTheImagesThatComposeAndTheBuildScriptName() throws Exception {
    Map<String, Object> services = RepoFiles.map(RepoFiles.yaml(root.resolve("docker-compose.yaml")).get("services"),
        "services");
    Set<String> composeImages = services.values().stream()
        .map(s -> String.valueOf(RepoFiles.map(s, "service").get("image"))).collect(Collectors.toSet());
    assertThat(images(render(k8s))).containsExactlyInAnyOrderElementsOf(composeImages);
  }

  @Test
  void everySourceFileParsesStrictlyWithoutKubectl() throws IOException {
    // Runs where kubectl is missing too: the objects as written, before Kustomize adds names and labels.
    List<Path> sources;
    try (Stream<Path> walk = Files.walk(k8s)) {
      sources = walk.filter(p -> p.toString().endsWith(".yaml") && !p.getFileName().toString().equals("kustomization.yaml"))
          .sorted().toList();
    }
    assertThat(sources).hasSizeGreaterThanOrEqualTo(8);
    for (Path source : sources) {
      assertThat(StrictKubernetesModel.parse(Files.readString(source))).as(source.toString()).isNotEmpty();
    }
  }

  /** Each check can fail: one change to the rendered base, the problem it must be reported as. */
  static Stream<Arguments> breakages() {
    return Stream.of(
        breakage("the config mounted through subPath", o -> routerContainer(o).getVolumeMounts().stream()
            .filter(m -> m.getMountPath().equals("/etc/siskin")).forEach(m -> m.setSubPath("canary.conf")),
            "Deployment siskin-router: ConfigMap volume config mounted with subPath (it would never update)"),
        breakage("the config mounted elsewhere", o -> routerContainer(o).getVolumeMounts().stream()
            .filter(m -> m.getMountPath().equals("/etc/siskin")).forEach(m -> m.setMountPath("/config")),
            "Deployment siskin-router: no read-only ConfigMap volume (of a shipped ConfigMap) mounted on /etc/siskin"),
        breakage("one router", o -> deployment(o, "siskin-router").getSpec().setReplicas(1),
            "Deployment siskin-router: replicas 1 (expected 2)"),
        breakage("routers not spread", o -> deployment(o, "siskin-router").getSpec().getTemplate().getSpec()
            .setTopologySpreadConstraints(List.of()),
            "Deployment siskin-router: no topologySpreadConstraint or podAntiAffinity on kubernetes.io/hostname"),
        breakage("readiness on /live", o -> routerContainer(o).getReadinessProbe().getHttpGet().setPath("/live"),
            "Deployment siskin-router: readinessProbe is not an HTTP GET of /ready on the admin port 9901"),
        breakage("liveness on the gRPC port", o -> routerContainer(o).getLivenessProbe().getHttpGet()
            .setPort(new IntOrString("grpc")),
            "Deployment siskin-router: livenessProbe is not an HTTP GET of /live on the admin port 9901"),
        breakage("model readiness not gRPC", o -> modelContainer(o, "siskin-model-v2").getReadinessProbe().setGrpc(null),
            "Deployment siskin-model-v2: readinessProbe is not a gRPC probe on port 50051"),
        breakage("model liveness on the metrics port", o -> modelContainer(o, "siskin-model-v1").getLivenessProbe()
            .getGrpc().setPort(9100), "Deployment siskin-model-v1: livenessProbe is not a gRPC probe on port 50051"),
        breakage("a model Service with a virtual IP", o -> service(o, "siskin-model-v1").getSpec().setClusterIP(null),
            "Deployment siskin-model-v1: expected one headless Service of the same name"),
        breakage("a PDB that selects nothing", o -> budget(o, "siskin-router").getSpec().getSelector()
            .setMatchLabels(Map.of("app.kubernetes.io/name", "router")),
            "PodDisruptionBudget siskin-router: selector {app.kubernetes.io/name=router} is no Deployment's selector"),
        breakage("capabilities kept", o -> routerContainer(o).getSecurityContext().getCapabilities().setDrop(List.of()),
            "Deployment siskin-router container router: capabilities do not drop ALL"),
        breakage("a writable root", o -> modelContainer(o, "siskin-model-v2").getSecurityContext()
            .setReadOnlyRootFilesystem(false),
            "Deployment siskin-model-v2 container model-server: readOnlyRootFilesystem is not true"),
        breakage("root allowed", o -> {
          deployment(o, "siskin-router").getSpec().getTemplate().getSpec().getSecurityContext().setRunAsNonRoot(null);
          routerContainer(o).getSecurityContext().setRunAsNonRoot(null);
        }, "Deployment siskin-router container router: runAsNonRoot is not true"),
        breakage("no preStop", o -> routerContainer(o).setLifecycle(null),
            "Deployment siskin-router container router: no lifecycle.preStop.sleep"),
        breakage("a short model preStop", o -> modelContainer(o, "siskin-model-v1").getLifecycle().getPreStop()
            .getSleep().setSeconds(3L), "Deployment siskin-model-v1: preStop sleep 3 s (expected at least 10 s"),
        breakage("one baseline replica", o -> deployment(o, "siskin-model-v1").getSpec().setReplicas(1),
            "Deployment siskin-model-v1: the baseline (the backend of the highest weight) runs 1 replica(s)"),
        breakage("a grace period shorter than the drain", o -> deployment(o, "siskin-router").getSpec().getTemplate()
            .getSpec().setTerminationGracePeriodSeconds(30L),
            "Deployment siskin-router: terminationGracePeriodSeconds 30 (expected more than 30 s"),
        breakage("no requests", o -> modelContainer(o, "siskin-model-v1").getResources().setRequests(null),
            "Deployment siskin-model-v1 container model-server: resources.requests lacks cpu or memory"),
        breakage("admin on loopback", o -> canaryConf(o, c -> c.replace("admin = \"0.0.0.0:9901\"", "admin = \"127.0.0.1:9901\"")),
            "ConfigMap canary.conf: router.admin 127.0.0.1:9901 (expected 0.0.0.0:PORT"),
        breakage("the state file beside the config", o -> canaryConf(o, c -> c.replace("/var/lib/siskin/rollout.json", "")),
            "Deployment siskin-router: rollout.state-file \"\" is not in a writable emptyDir mount"),
        breakage("a target in another namespace", o -> canaryConf(o, c -> c.replace("siskin-model-v2.siskin.", "siskin-model-v2.default.")),
            "canary.conf backends.v2.target dns:///siskin-model-v2.default.svc.cluster.local:50051 names no shipped"),
        breakage("routers named through the clients' Service", o -> canaryConf(o, c -> c.replace("siskin-router-admin.siskin.", "siskin-router.siskin.")),
            "canary.conf rollout.routers dns:///siskin-router.siskin.svc.cluster.local:9901 names no shipped headless Service"),
        breakage("an object outside the namespace", o -> service(o, "siskin-router").getMetadata().setNamespace(null),
            "Service siskin-router: namespace null (expected siskin, the shipped Namespace)"),
        breakage("a Service port the pods lack", o -> service(o, "siskin-router-admin").getSpec().getPorts().get(0)
            .setTargetPort(new IntOrString("adminn")),
            "Service siskin-router-admin: targetPort adminn is no port of Deployment siskin-router"),
        breakage("a model image of another version", o -> modelContainer(o, "siskin-model-v2").setImage("siskin-model:v1.0.0"),
            "Deployment siskin-model-v2: image siskin-model:v1.0.0 does not carry the version label's tag v2.0.0"));
  }

  private static Arguments breakage(String what, Consumer<List<HasMetadata>> change, String problem) {
    return Arguments.of(what, change, problem);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("breakages")
  void aBrokenBaseIsReported(String what, Consumer<List<HasMetadata>> change, String problem) throws Exception {
    List<HasMetadata> objects = render(RepoFiles.root().resolve("deploy/k8s"));
    change.accept(objects);
    assertThat(ManifestChecks.problems(objects, expectations())).anyMatch(p -> p.startsWith(problem));
  }

  // ---- helpers ----

  private static List<HasMetadata> render(Path dir) throws IOException, InterruptedException {
    return StrictKubernetesModel.parse(Kustomize.render(dir));
  }

  private ManifestChecks.Expectations expectations() throws IOException {
    Map<String, String> model = dockerfileEnv("Dockerfile.model");
    Map<String, String> router = dockerfileEnv("Dockerfile.router");
    String user = Dockerfile.read(root.resolve("Dockerfile.model")).runtime().last("USER").orElseThrow().split(":")[0];
    assertThat(Dockerfile.read(root.resolve("Dockerfile.router")).runtime().last("USER")).contains(user + ":" + user);
    Config modelDefaults = ConfigFactory.parseFile(root.resolve("model-server/src/main/resources/reference.conf")
        .toFile()).resolve().getConfig("model-server.drain");
    Config routerDefaults = ConfigFactory.parseFile(root.resolve("router/src/main/resources/reference.conf").toFile())
        .resolve().getConfig("router");
    return new ManifestChecks.Expectations(Integer.parseInt(model.get("PORT")), Integer.parseInt(model.get("METRICS_PORT")),
        router.get("CANARY_CONFIG"), Long.parseLong(user),
        modelDefaults.getDuration("grace").toSeconds() + modelDefaults.getDuration("timeout").toSeconds(),
        routerDefaults.getDuration("drain-grace").toSeconds() + routerDefaults.getDuration("drain-timeout").toSeconds(),
        MIN_MODEL_PRE_STOP_SECONDS);
  }

  /** NAME=value words of the runtime stage's ENV (enough for the plain values read here). */
  private Map<String, String> dockerfileEnv(String name) throws IOException {
    return Dockerfile.read(root.resolve(name)).runtime().all("ENV").stream()
        .flatMap(e -> Stream.of(e.split("\\s+"))).filter(w -> w.matches("[A-Z_]+=\\S*"))
        .collect(Collectors.toMap(w -> w.substring(0, w.indexOf('=')), w -> w.substring(w.indexOf('=') + 1), (a, b) -> b));
  }

  private static TreeSet<String> names(List<HasMetadata> objects) {
    return objects.stream().map(o -> o.getKind() + " " + o.getMetadata().getName())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static List<String> images(List<HasMetadata> objects) {
    return objects.stream().filter(o -> o instanceof Deployment).map(o -> (Deployment) o)
        .flatMap(d -> d.getSpec().getTemplate().getSpec().getContainers().stream()).map(Container::getImage).toList();
  }

  private static <T extends HasMetadata> T named(List<HasMetadata> objects, Class<T> kind, String name) {
    return objects.stream().filter(kind::isInstance).map(kind::cast).filter(o -> o.getMetadata().getName().equals(name))
        .findFirst().orElseThrow(() -> new AssertionError("no " + kind.getSimpleName() + " " + name));
  }

  private static Deployment deployment(List<HasMetadata> objects, String name) {
    return named(objects, Deployment.class, name);
  }

  private static Service service(List<HasMetadata> objects, String name) {
    return named(objects, Service.class, name);
  }

  private static PodDisruptionBudget budget(List<HasMetadata> objects, String name) {
    return named(objects, PodDisruptionBudget.class, name);
  }

  private static Container routerContainer(List<HasMetadata> objects) {
    return modelContainer(objects, "siskin-router");
  }

  private static Container modelContainer(List<HasMetadata> objects, String deployment) {
    return deployment(objects, deployment).getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  private static void canaryConf(List<HasMetadata> objects, java.util.function.UnaryOperator<String> edit) {
    ConfigMap config = named(objects, ConfigMap.class, "siskin-router-config");
    String before = config.getData().get("canary.conf");
    String after = edit.apply(before);
    assertThat(after).as("the edit changes canary.conf").isNotEqualTo(before);
    config.getData().put("canary.conf", after);
  }
}
