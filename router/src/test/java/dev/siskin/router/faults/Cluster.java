package dev.siskin.router.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.siskin.router.testing.JarProcess;
import dev.siskin.router.testing.RepoPaths;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Two real model servers (v1, v2) and the real router in front of them, as child processes on loopback
 * ports chosen at start. Model servers can be killed, hung, terminated and started again on their port.
 */
final class Cluster implements AutoCloseable {
  private static final Pattern MODEL_STARTED = Pattern.compile("serving model \\S+ from .*? on port (\\d+)");
  private static final Pattern ROUTER_STARTED = Pattern.compile("\\(port (\\d+)\\), admin on http://[^/]+:(\\d+)/");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> JVM_OPTIONS = List.of("-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Path dir;
  private final Map<String, JarProcess> models = new HashMap<>();
  private final Map<String, Integer> modelPorts = new HashMap<>();
  private final List<JarProcess> all = new ArrayList<>();
  private JarProcess router;
  private int routerPort;
  private int adminPort;

  Cluster(Path dir) {
    this.dir = dir;
  }

  /** Starts model server {@code name} (v1 or v2 model file) on {@code port} (0 = any) with extra environment. */
  int startModel(String name, int port, Map<String, String> extra) throws Exception {
    Map<String, String> env = new HashMap<>(Map.of(
        "MODEL_PATH", "models/iris-" + (name.equals("v2") ? "v2.0.0" : "v1.0.0") + ".tribuo",
        "PORT", Integer.toString(port), "DRAIN_GRACE_MS", "3000", "DRAIN_TIMEOUT_MS", "10000"));
    env.putAll(extra);
    JarProcess process = JarProcess.start("faults-model-" + name, RepoPaths.modelServerJar(), JVM_OPTIONS, List.of(),
        env);
    all.add(process);
    models.put(name, process);
    int bound = Integer.parseInt(process.awaitLine(MODEL_STARTED, START_TIMEOUT).group(1));
    modelPorts.put(name, bound);
    return bound;
  }

  int startModel(String name) throws Exception {
    return startModel(name, 0, Map.of());
  }

  /** Starts the router with backends v1 and v2 at 50/50 on the given ports, plus {@code routerBlock} settings. */
  void startRouter(int v1Port, int v2Port, String routerBlock) throws Exception {
    Path config = dir.resolve("canary.conf");
    Files.writeString(config, """
        router {
          listen = "127.0.0.1:0"
          admin = "127.0.0.1:0"
        %s
        }
        backends {
          v1 { target = "127.0.0.1:%d", weight = 50 }
          v2 { target = "127.0.0.1:%d", weight = 50 }
        }
        """.formatted(routerBlock, v1Port, v2Port));
    router = JarProcess.start("faults-router", RepoPaths.routerJar(), JVM_OPTIONS, List.of(config.toString()),
        Map.of());
    all.add(router);
    Matcher m = router.awaitLine(ROUTER_STARTED, START_TIMEOUT);
    routerPort = Integer.parseInt(m.group(1));
    adminPort = Integer.parseInt(m.group(2));
  }

  JarProcess model(String name) {
    return models.get(name);
  }

  int modelPort(String name) {
    return modelPorts.get(name);
  }

  JarProcess router() {
    return router;
  }

  int routerPort() {
    return routerPort;
  }

  /** {@code GET /clusters} of the router. */
  JsonNode clusters() throws IOException, InterruptedException {
    return JSON.readTree(get("/clusters").body());
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The health block of one backend in /clusters. */
  JsonNode health(String backend) throws IOException, InterruptedException {
    for (JsonNode b : clusters().get("backends")) {
      if (b.get("name").asText().equals(backend)) {
        return b.get("health");
      }
    }
    throw new AssertionError("no backend " + backend + " in /clusters");
  }

  /** Polls /clusters every 20 ms until {@code backend}'s health matches, at most {@code timeout}; returns when. */
  long awaitHealth(String backend, Predicate<JsonNode> condition, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = health(backend);
      if (condition.test(last)) {
        return System.nanoTime();
      }
      Thread.sleep(20);
    }
    throw new AssertionError("backend " + backend + " health did not match within " + timeout + "; last: " + last);
  }

  static boolean routable(JsonNode health) {
    return health.get("routable").asBoolean();
  }

  static boolean healthy(JsonNode health) {
    return health.get("state").asText().equals("healthy");
  }

  /** Kills every process started (SIGKILL by PID): nothing of a test's cluster needs a graceful stop. */
  @Override
  public void close() throws Exception {
    for (JarProcess process : all) {
      process.sigkill();
      process.close();
    }
  }
}
