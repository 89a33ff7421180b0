package dev.siskin.client.k8s;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a Siskin deployment must hold beyond a valid schema: the facts that connect its objects to each other, to
 * the images and to the router's config. Each check adds one line per violation naming the object; an empty list
 * means the manifests pass.
 */
public final class ManifestChecks {
  /** Facts from the repository the manifests must agree with (Dockerfiles, the servers' reference.conf). */
  public record Expectations(int modelPort, int modelMetricsPort, String routerConfigFile, long imageUser,
      long modelDrainSeconds, long routerDrainSeconds, long minModelPreStopSeconds) {}

  private static final String MODEL = "siskin-model";
  private static final String ROUTER = "siskin-router";
  private static final String CONFIG_KEY = "canary.conf";
  private static final String HOSTNAME = "kubernetes.io/hostname";
  private static final Pattern DNS_TARGET = Pattern.compile("dns:///([a-z0-9-]+)\\.([a-z0-9-]+)\\.svc\\.cluster\\.local:(\\d+)");

  private final List<HasMetadata> objects;
  private final Expectations expect;
  private final List<String> problems = new ArrayList<>();

  private ManifestChecks(List<HasMetadata> objects, Expectations expect) {
    this.objects = objects;
    this.expect = expect;
  }

  public static List<String> problems(List<HasMetadata> objects, Expectations expect) {
    ManifestChecks checks = new ManifestChecks(objects, expect);
    checks.run();
    return List.copyOf(checks.problems);
  }

  private void run() {
    namespaces();
    deployments().forEach(this::everyContainer);
    List<Deployment> models = deployments().filter(d -> MODEL.equals(nameLabel(d))).toList();
    if (models.isEmpty()) {
      problems.add("no model Deployment (label app.kubernetes.io/name: " + MODEL + ")");
    }
    models.forEach(this::model);
    Optional<Deployment> router = deployments().filter(d -> ROUTER.equals(nameLabel(d))).findFirst();
    router.ifPresentOrElse(this::router, () -> problems.add("no router Deployment (label app.kubernetes.io/name: "
        + ROUTER + ")"));
    services();
    disruptionBudgets(router);
    canaryConf();
    of(NetworkPolicy.class).forEach(this::networkPolicy);
    of(ServiceMonitor.class).forEach(this::serviceMonitor);
  }

  // ---- all objects ----

  private void namespaces() {
    List<String> declared = of(Namespace.class).map(n -> n.getMetadata().getName()).toList();
    if (declared.size() != 1) {
      problems.add("expected exactly one Namespace, found " + declared);
      return;
    }
    objects.stream().filter(o -> !(o instanceof Namespace))
        .filter(o -> !declared.get(0).equals(o.getMetadata().getNamespace()))
        .forEach(o -> problems.add(id(o) + ": namespace " + o.getMetadata().getNamespace() + " (expected "
            + declared.get(0) + ", the shipped Namespace)"));
  }

  private void everyContainer(Deployment d) {
    PodSpec pod = d.getSpec().getTemplate().getSpec();
    PodSecurityContext podSecurity = Optional.ofNullable(pod.getSecurityContext()).orElseGet(PodSecurityContext::new);
    for (Container c : pod.getContainers()) {
      String where = id(d) + " container " + c.getName();
      SecurityContext s = Optional.ofNullable(c.getSecurityContext()).orElseGet(SecurityContext::new);
      if (!Boolean.TRUE.equals(Optional.ofNullable(s.getRunAsNonRoot()).orElse(podSecurity.getRunAsNonRoot()))) {
        problems.add(where + ": runAsNonRoot is not true");
      }
      Long user = Optional.ofNullable(s.getRunAsUser()).orElse(podSecurity.getRunAsUser());
      if (user != null && user != expect.imageUser()) {
        problems.add(where + ": runAsUser " + user + " (expected the images' user " + expect.imageUser() + ")");
      }
      if (!Boolean.TRUE.equals(s.getReadOnlyRootFilesystem())) {
        problems.add(where + ": readOnlyRootFilesystem is not true");
      }
      if (!Boolean.FALSE.equals(s.getAllowPrivilegeEscalation())) {
        problems.add(where + ": allowPrivilegeEscalation is not false");
      }
      if (s.getCapabilities() == null || !s.getCapabilities().getDrop().contains("ALL")) {
        problems.add(where + ": capabilities do not drop ALL");
      }
      for (String kind : List.of("requests", "limits")) {
        Map<String, ?> amounts = kind.equals("requests") ? c.getResources().getRequests() : c.getResources().getLimits();
        if (amounts == null || !amounts.keySet().containsAll(Set.of("cpu", "memory"))) {
          problems.add(where + ": resources." + kind + " lacks cpu or memory");
        }
      }
      if (preStopSleep(c) <= 0) {
        problems.add(where + ": no lifecycle.preStop.sleep");
      }
      // A read-only root: the JVM (perf data) and Netty (its native library) need a writable /tmp.
      if (mount(c, "/tmp").filter(m -> !Boolean.TRUE.equals(m.getReadOnly()))
          .flatMap(m -> volume(pod, m.getName())).filter(v -> v.getEmptyDir() != null).isEmpty()) {
        problems.add(where + ": no writable emptyDir on /tmp");
      }
    }
  }

  // ---- model servers ----

  private void model(Deployment d) {
    Container c = onlyContainer(d);
    if (c == null) {
      return;
    }
    String where = id(d);
    if (containerPort(c, "grpc") != expect.modelPort() || !String.valueOf(expect.modelPort()).equals(env(c, "PORT"))) {
      problems.add(where + ": port grpc and env PORT must be the image's PORT " + expect.modelPort());
    }
    if (containerPort(c, "metrics") != expect.modelMetricsPort()) {
      problems.add(where + ": port metrics must be the image's METRICS_PORT " + expect.modelMetricsPort());
    }
    Map<String, Probe> probes = probes(c);
    probes.forEach((kind, probe) -> {
      if (probe == null || probe.getGrpc() == null || !Objects.equals(probe.getGrpc().getPort(), expect.modelPort())) {
        problems.add(where + ": " + kind + " is not a gRPC probe on port " + expect.modelPort());
      }
    });
    long preStop = preStopSleep(c);
    if (preStop < expect.minModelPreStopSeconds()) {
      problems.add(where + ": preStop sleep " + preStop + " s (expected at least " + expect.minModelPreStopSeconds()
          + " s: longer than the routers' DNS re-resolution plus the record's TTL)");
    }
    grace(d, preStop + expect.modelDrainSeconds());
    String version = d.getSpec().getTemplate().getMetadata().getLabels().get("app.kubernetes.io/version");
    if (version == null || !c.getImage().endsWith(":" + version)) {
      problems.add(where + ": image " + c.getImage() + " does not carry the version label's tag " + version);
    }
    List<Service> headless = servicesSelecting(d).filter(s -> "None".equals(s.getSpec().getClusterIP())).toList();
    if (headless.size() != 1 || !headless.get(0).getMetadata().getName().equals(d.getMetadata().getName())
        || !headless.get(0).getSpec().getSelector().equals(d.getSpec().getSelector().getMatchLabels())) {
      problems.add(where + ": expected one headless Service of the same name whose selector is the Deployment's "
          + "selector, found " + headless.stream().map(s -> s.getMetadata().getName()).toList());
    }
  }

  // ---- router ----

  private void router(Deployment d) {
    String where = id(d);
    if (!Objects.equals(d.getSpec().getReplicas(), 2)) {
      problems.add(where + ": replicas " + d.getSpec().getReplicas() + " (expected 2)");
    }
    PodSpec pod = d.getSpec().getTemplate().getSpec();
    Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
    boolean spread = pod.getTopologySpreadConstraints().stream().anyMatch(t -> HOSTNAME.equals(t.getTopologyKey())
        && t.getLabelSelector() != null && podLabels.entrySet().containsAll(t.getLabelSelector().getMatchLabels().entrySet()));
    boolean antiAffinity = pod.getAffinity() != null && pod.getAffinity().getPodAntiAffinity() != null
        && Stream.concat(pod.getAffinity().getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().stream(),
            pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution().stream()
                .map(w -> w.getPodAffinityTerm()))
            .anyMatch(t -> HOSTNAME.equals(t.getTopologyKey()));
    if (!spread && !antiAffinity) {
      problems.add(where + ": no topologySpreadConstraint or podAntiAffinity on " + HOSTNAME + " for its own pods");
    }
    Container c = onlyContainer(d);
    if (c == null) {
      return;
    }
    Config conf = canaryConfig().orElse(null);
    if (conf == null) {
      return;
    }
    int admin = port(conf.getString("router.admin"));
    if (!conf.getString("router.admin").startsWith("0.0.0.0:")) {
      problems.add("ConfigMap canary.conf: router.admin " + conf.getString("router.admin")
          + " (expected 0.0.0.0:PORT: the kubelet's probes and Prometheus reach the pod IP)");
    }
    if (containerPort(c, "admin") != admin) {
      problems.add(where + ": port admin is not router.admin's port " + admin);
    }
    if (containerPort(c, "grpc") != port(conf.getString("router.listen"))) {
      problems.add(where + ": port grpc is not router.listen's port");
    }
    Map<String, String> paths = Map.of("readinessProbe", "/ready", "livenessProbe", "/live");
    paths.forEach((kind, path) -> {
      Probe probe = probes(c).get(kind);
      if (probe == null || probe.getHttpGet() == null || !path.equals(probe.getHttpGet().getPath())
          || resolve(c, probe.getHttpGet().getPort()) != admin) {
        problems.add(where + ": " + kind + " is not an HTTP GET of " + path + " on the admin port " + admin);
      }
    });
    configMount(d, c, pod);
    stateFile(d, c, pod, conf);
    grace(d, preStopSleep(c) + expect.routerDrainSeconds());
  }

  private void configMount(Deployment d, Container c, PodSpec pod) {
    String dir = Path.of(Optional.ofNullable(env(c, "CANARY_CONFIG")).orElse(expect.routerConfigFile())).getParent().toString();
    List<VolumeMount> fromConfigMap = c.getVolumeMounts().stream()
        .filter(m -> volume(pod, m.getName()).map(v -> v.getConfigMap() != null).orElse(false)).toList();
    for (VolumeMount m : fromConfigMap) {
      if (m.getSubPath() != null || m.getSubPathExpr() != null) {
        problems.add(id(d) + ": ConfigMap volume " + m.getName() + " mounted with subPath (it would never update)");
      }
    }
    boolean atConfigDir = fromConfigMap.stream().anyMatch(m -> dir.equals(m.getMountPath())
        && Boolean.TRUE.equals(m.getReadOnly())
        && volume(pod, m.getName()).map(v -> v.getConfigMap().getName()).filter(this::configMapExists).isPresent());
    if (!atConfigDir) {
      problems.add(id(d) + ": no read-only ConfigMap volume (of a shipped ConfigMap) mounted on " + dir
          + ", the directory of CANARY_CONFIG");
    }
  }

  private void stateFile(Deployment d, Container c, PodSpec pod, Config conf) {
    String stateFile = conf.hasPath("rollout.state-file") ? conf.getString("rollout.state-file") : "";
    Path parent = stateFile.isEmpty() ? null : Path.of(stateFile).getParent();
    boolean writable = parent != null && mount(c, parent.toString())
        .filter(m -> !Boolean.TRUE.equals(m.getReadOnly()) && m.getSubPath() == null)
        .flatMap(m -> volume(pod, m.getName())).filter(v -> v.getEmptyDir() != null).isPresent();
    if (!writable) {
      problems.add(id(d) + ": rollout.state-file \"" + stateFile + "\" is not in a writable emptyDir mount "
          + "(\"\" puts it beside the config, on the read-only ConfigMap mount)");
    }
  }

  // ---- Services, budgets, config ----

  private void services() {
    for (Service s : of(Service.class).toList()) {
      List<Deployment> selected = deployments().filter(d -> selects(s.getSpec().getSelector(), d)).toList();
      if (selected.isEmpty()) {
        problems.add(id(s) + ": selects no Deployment's pods");
      }
      for (ServicePort p : s.getSpec().getPorts()) {
        for (Deployment d : selected) {
          Container c = onlyContainer(d);
          if (c != null && resolve(c, p.getTargetPort()) <= 0) {
            problems.add(id(s) + ": targetPort " + p.getTargetPort().getValue() + " is no port of " + id(d));
          }
        }
      }
    }
  }

  private void disruptionBudgets(Optional<Deployment> router) {
    List<PodDisruptionBudget> budgets = of(PodDisruptionBudget.class).toList();
    for (PodDisruptionBudget b : budgets) {
      Map<String, String> selector = b.getSpec().getSelector().getMatchLabels();
      Optional<Deployment> target = deployments()
          .filter(d -> d.getSpec().getSelector().getMatchLabels().equals(selector)).findFirst();
      if (target.isEmpty()) {
        problems.add(id(b) + ": selector " + selector + " is no Deployment's selector");
        continue;
      }
      IntOrString min = b.getSpec().getMinAvailable();
      if (min == null || min.getIntVal() == null || min.getIntVal() >= target.get().getSpec().getReplicas()) {
        problems.add(id(b) + ": minAvailable must be a number below " + id(target.get()) + "'s replicas, or no node "
            + "could ever be drained");
      }
    }
    router.ifPresent(r -> {
      if (budgets.stream().noneMatch(b -> b.getSpec().getSelector().getMatchLabels()
          .equals(r.getSpec().getSelector().getMatchLabels()))) {
        problems.add(id(r) + ": no PodDisruptionBudget with the router's selector");
      }
    });
  }

  private void canaryConf() {
    Config conf = canaryConfig().orElse(null);
    if (conf == null) {
      problems.add("no ConfigMap with a " + CONFIG_KEY);
      return;
    }
    String baseline = null;
    int topWeight = -1;
    for (Map.Entry<String, ?> backend : conf.getObject("backends").entrySet()) {
      Config b = ((ConfigObject) backend.getValue()).toConfig();
      Matcher m = DNS_TARGET.matcher(b.getString("target"));
      Optional<Service> service = m.matches() ? of(Service.class)
          .filter(s -> s.getMetadata().getName().equals(m.group(1)) && s.getMetadata().getNamespace().equals(m.group(2)))
          .filter(s -> "None".equals(s.getSpec().getClusterIP()))
          .filter(s -> s.getSpec().getPorts().stream().anyMatch(p -> p.getPort() == Integer.parseInt(m.group(3))))
          .findFirst() : Optional.empty();
      if (service.isEmpty()) {
        problems.add("canary.conf backends." + backend.getKey() + ".target " + b.getString("target")
            + " names no shipped headless Service and port (dns:///NAME.NAMESPACE.svc.cluster.local:PORT)");
        continue;
      }
      if (b.getInt("weight") > topWeight) {
        topWeight = b.getInt("weight");
        baseline = service.get().getMetadata().getName();
      }
    }
    routerPeers(conf);
    String baselineName = baseline;
    deployments().filter(d -> d.getMetadata().getName().equals(baselineName))
        .filter(d -> d.getSpec().getReplicas() == null || d.getSpec().getReplicas() < 2)
        .forEach(d -> problems.add(id(d) + ": the baseline (the backend of the highest weight) runs "
            + d.getSpec().getReplicas() + " replica(s) (expected at least 2)"));
  }

  private void networkPolicy(NetworkPolicy p) {
    List<Container> pods = deployments().filter(d -> selects(p.getSpec().getPodSelector().getMatchLabels(), d))
        .map(this::onlyContainer).filter(Objects::nonNull).toList();
    if (pods.isEmpty()) {
      problems.add(id(p) + ": selects no Deployment's pods");
    }
    p.getSpec().getIngress().stream().flatMap(r -> r.getPorts().stream()).forEach(port -> {
      if (pods.stream().anyMatch(c -> resolve(c, port.getPort()) <= 0)) {
        problems.add(id(p) + ": admits port " + port.getPort().getValue() + ", which its pods do not have");
      }
    });
  }

  private void serviceMonitor(ServiceMonitor m) {
    List<Service> selected = of(Service.class).filter(s -> s.getMetadata().getLabels() != null
        && s.getMetadata().getLabels().entrySet().containsAll(m.getSpec().getSelector().getMatchLabels().entrySet())).toList();
    m.getSpec().getEndpoints().forEach(e -> {
      if (selected.stream().noneMatch(s -> s.getSpec().getPorts().stream().anyMatch(p -> e.getPort().equals(p.getName())))) {
        problems.add(id(m) + ": endpoint port " + e.getPort() + " is on none of the Services it selects");
      }
    });
  }

  /** rollout.routers must name a headless Service of the router pods' admin port: how the routers find each other. */
  private void routerPeers(Config conf) {
    if (!conf.hasPath("rollout.routers")) {
      return;
    }
    for (String entry : conf.getStringList("rollout.routers")) {
      Matcher m = DNS_TARGET.matcher(entry);
      boolean found = m.matches() && of(Service.class)
          .filter(s -> s.getMetadata().getName().equals(m.group(1)) && s.getMetadata().getNamespace().equals(m.group(2)))
          .filter(s -> "None".equals(s.getSpec().getClusterIP()))
          .filter(s -> deployments().anyMatch(d -> d.getMetadata().getName().equals(ROUTER) && selects(s.getSpec().getSelector(), d)))
          .anyMatch(s -> s.getSpec().getPorts().stream().anyMatch(p -> p.getPort() == Integer.parseInt(m.group(3))
              && p.getPort() == adminPort(conf)));
      if (!found) {
        problems.add("canary.conf rollout.routers " + entry + " names no shipped headless Service of the router pods'"
            + " admin port (dns:///NAME.NAMESPACE.svc.cluster.local:PORT)");
      }
    }
  }

  private static int adminPort(Config conf) {
    String admin = conf.getString("router.admin");
    return Integer.parseInt(admin.substring(admin.lastIndexOf(':') + 1));
  }

  // ---- helpers ----

  private void grace(Deployment d, long needed) {
    Long grace = d.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
    if (grace == null || grace <= needed) {
      problems.add(id(d) + ": terminationGracePeriodSeconds " + grace + " (expected more than " + needed
          + " s: preStop sleep plus the server's drain)");
    }
  }

  private Optional<Config> canaryConfig() {
    return of(ConfigMap.class).filter(c -> c.getData() != null && c.getData().containsKey(CONFIG_KEY)).findFirst()
        .map(c -> ConfigFactory.parseString(c.getData().get(CONFIG_KEY)).resolve());
  }

  private boolean configMapExists(String name) {
    return of(ConfigMap.class).anyMatch(c -> c.getMetadata().getName().equals(name));
  }

  private Stream<Service> servicesSelecting(Deployment d) {
    return of(Service.class).filter(s -> selects(s.getSpec().getSelector(), d));
  }

  private static boolean selects(Map<String, String> selector, Deployment d) {
    return selector != null && !selector.isEmpty()
        && d.getSpec().getTemplate().getMetadata().getLabels().entrySet().containsAll(selector.entrySet());
  }

  private Container onlyContainer(Deployment d) {
    List<Container> containers = d.getSpec().getTemplate().getSpec().getContainers();
    if (containers.size() != 1) {
      problems.add(id(d) + ": expected one container, found " + containers.size());
      return null;
    }
    return containers.get(0);
  }

  private static Map<String, Probe> probes(Container c) {
    Map<String, Probe> probes = new java.util.LinkedHashMap<>();
    probes.put("startupProbe", c.getStartupProbe());
    probes.put("readinessProbe", c.getReadinessProbe());
    probes.put("livenessProbe", c.getLivenessProbe());
    return probes;
  }

  private static long preStopSleep(Container c) {
    return Optional.ofNullable(c.getLifecycle()).map(l -> l.getPreStop()).map(h -> h.getSleep())
        .map(s -> s.getSeconds()).orElse(0L);
  }

  private static int containerPort(Container c, String name) {
    return c.getPorts().stream().filter(p -> name.equals(p.getName())).map(ContainerPort::getContainerPort)
        .findFirst().orElse(-1);
  }

  /** A port number, or a container port's name, as the port number it means; -1 when the container has none. */
  private static int resolve(Container c, IntOrString port) {
    if (port == null) {
      return -1;
    }
    if (port.getIntVal() != null) {
      int number = port.getIntVal();
      return c.getPorts().stream().anyMatch(p -> p.getContainerPort() == number) ? number : -1;
    }
    return containerPort(c, port.getStrVal());
  }

  private static String env(Container c, String name) {
    return c.getEnv().stream().filter(e -> name.equals(e.getName())).map(EnvVar::getValue).findFirst().orElse(null);
  }

  private static Optional<VolumeMount> mount(Container c, String path) {
    return c.getVolumeMounts().stream().filter(m -> path.equals(m.getMountPath())).findFirst();
  }

  private static Optional<Volume> volume(PodSpec pod, String name) {
    return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst();
  }

  private static int port(String hostPort) {
    return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
  }

  private static String nameLabel(Deployment d) {
    return d.getSpec().getTemplate().getMetadata().getLabels().get("app.kubernetes.io/name");
  }

  private Stream<Deployment> deployments() {
    return of(Deployment.class);
  }

  private <T extends HasMetadata> Stream<T> of(Class<T> kind) {
    return objects.stream().filter(kind::isInstance).map(kind::cast);
  }

  private static String id(HasMetadata o) {
    return o.getKind() + " " + o.getMetadata().getName();
  }
}
