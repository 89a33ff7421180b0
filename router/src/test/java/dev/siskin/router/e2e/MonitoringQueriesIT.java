package dev.siskin.router.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.siskin.router.testing.FreePorts;
import dev.siskin.router.testing.RepoPaths;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard ({@code deploy/grafana/siskin.json}) and the alerting rules ({@code
 * deploy/prometheus/siskin-rules.yaml}) against a real Prometheus (Debian's {@code prometheus}, on loopback)
 * scraping the router jar with real model servers, a shadow and a running rollout: every metric they name is one
 * the router exposes, every dashboard query runs and (but for the filters that are empty when nothing happened)
 * returns series, and every rule evaluates without error and none fires on this healthy canary.
 */
class MonitoringQueriesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern METRIC = Pattern.compile("siskin_[a-z_]+");
  /** Metrics that exist only with TLS on (RouterTlsIT, AdminTlsTest and the model server's TLS tests show them). */
  private static final Set<String> TLS_ONLY = Set.of("siskin_router_tls_certificate_expiry_seconds",
      "siskin_router_admin_tls_certificate_expiry_seconds", "siskin_router_backend_tls_certificate_expiry_seconds",
      "siskin_model_tls_certificate_expiry_seconds", "siskin_router_tls_reloads_total",
      "siskin_router_admin_tls_reloads_total", "siskin_model_tls_reloads_total");
  /** Exists on the judge of a shared rollout only. */
  private static final Set<String> SHARED_ROLLOUT_ONLY = Set.of("siskin_router_rollout_peers_following");

  @TempDir
  Path dir;
  private final List<AutoCloseable> started = new ArrayList<>();
  private Process prometheus;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stop() throws Exception {
    if (prometheus != null) {
      prometheus.destroy(); // SIGTERM to its PID
      if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
    for (int i = started.size() - 1; i >= 0; i--) {
      started.get(i).close();
    }
  }

  @Test
  void everyDashboardQueryAndAlertRuleRunsOnARealScrapeOfTheRouter() throws Exception {
    Path promBinary = Path.of("/usr/bin/prometheus");
    Assumptions.assumeTrue(Files.isExecutable(promBinary), "Prometheus is not installed (Debian: apt-get install "
        + "prometheus; .ci/run installs it): the dashboard's and the rules' queries are not run");
    ModelServerJar v1 = keep(ModelServerJar.start("v1.0.0", Map.of()));
    ModelServerJar v2 = keep(ModelServerJar.start("v2.0.0", Map.of()));
    Path config = dir.resolve("canary.conf");
    RouterJar router = keep(RouterJar.start("router-monitoring", config, (listen, admin) -> Files.writeString(config,
        """
        router { listen = "127.0.0.1:%d", admin = "127.0.0.1:%d" }
        backends {
          v1 { target = "%s", weight = 100 }
          v2 { target = "%s", weight = 0 }
        }
        shadow { backend = v2 }
        rollout {
          enabled = true
          run-id = "monitoring-it"
          step-time = 10m
        }
        """.formatted(listen, admin, v1.target(), v2.target()))));
    String adminAddress = router.admin().toString().replace("http://", "");

    Path rules = RepoPaths.repoRoot().resolve("deploy/prometheus/siskin-rules.yaml");
    Path promConfig = Files.writeString(dir.resolve("prometheus.yml"), """
        global: { scrape_interval: 1s, evaluation_interval: 1s }
        rule_files: ["%s"]
        scrape_configs:
          - job_name: siskin
            static_configs: [{ targets: ["%s"] }]
        """.formatted(rules, adminAddress));
    int promPort = FreePorts.pick(1)[0];
    prometheus = new ProcessBuilder(promBinary.toString(), "--config.file=" + promConfig,
        "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort)
        .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    String api = "http://127.0.0.1:" + promPort + "/api/v1/";

    // Calls for about 8 s (rates need two samples in the window): the iris rows through the router, the shadow
    // comparing each with v2, the rollout's first step giving v2 its share.
    try (PredictClient client = new PredictClient(router.port())) {
      var rows = IrisRows.all();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
      for (int i = 0; i < 3_000 && System.nanoTime() < end; i++) {
        client.call(rows.get(i % rows.size()));
        Thread.sleep(5);
      }
    }
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
        query(api, "count_over_time(siskin_router_calls_total[1m])").size() > 0
            && query(api, "min(count_over_time(siskin_router_calls_total[1m]))").get(0).get("value").get(1)
                .asDouble() >= 5);

    Set<String> exposed = new TreeSet<>();
    get(api + "label/__name__/values").get("data").forEach(n -> exposed.add(n.asText()));
    JsonNode dashboard = JSON.readTree(RepoPaths.repoRoot().resolve("deploy/grafana/siskin.json").toFile());
    Map<String, String> exprs = dashboardQueries(dashboard);
    Set<String> named = new TreeSet<>();
    exprs.values().forEach(e -> named.addAll(metrics(e)));
    named.addAll(metrics(Files.readString(rules)));
    Set<String> missing = new TreeSet<>(named);
    missing.removeAll(exposed);
    missing.removeAll(TLS_ONLY);
    missing.removeAll(SHARED_ROLLOUT_ONLY);
    assertThat(missing).as("metrics the dashboard or the rules name that the router does not expose").isEmpty();

    List<String> empty = new ArrayList<>();
    for (Map.Entry<String, String> q : exprs.entrySet()) {
      String expr = q.getValue().replace("$__rate_interval", "1m").replace("\"$job\"", "\".*\"")
          .replace("\"$instance\"", "\".*\"").replace("\"$backend\"", "\".*\"");
      JsonNode result = query(api, expr); // fails the test on a query Prometheus refuses
      boolean mayBeEmpty = expr.trim().endsWith("> 0") || metrics(expr).stream().anyMatch(TLS_ONLY::contains);
      if (result.isEmpty() && !mayBeEmpty) {
        empty.add(q.getKey() + ": " + expr);
      }
    }
    assertThat(empty).as("dashboard queries without data on a router under load").isEmpty();

    // The rules: loaded, evaluated without error; none firing for this healthy canary.
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> rules(api).stream()
        .allMatch(r -> r.has("lastEvaluation") && !r.get("lastEvaluation").asText().startsWith("0001")));
    List<JsonNode> all = rules(api);
    assertThat(all).hasSize(11);
    for (JsonNode r : all) {
      assertThat(r.get("health").asText()).as(r.get("name").asText() + ": " + r.path("lastError").asText())
          .isEqualTo("ok");
      if (r.get("type").asText().equals("alerting")) {
        assertThat(r.get("state").asText()).as(r.get("name").asText()).isNotEqualTo("firing");
      }
    }
    System.out.printf("monitoring: %d dashboard queries and %d rules ran on a real Prometheus scraping the router;"
        + " %d siskin metrics exposed, %d named%n", exprs.size(), all.size(),
        exposed.stream().filter(n -> n.startsWith("siskin_")).count(), named.size());
  }

  /** Panel title and target refId to expression, in the order of the dashboard. */
  private static Map<String, String> dashboardQueries(JsonNode dashboard) {
    Map<String, String> exprs = new LinkedHashMap<>();
    for (JsonNode panel : dashboard.get("panels")) {
      for (JsonNode target : panel.path("targets")) {
        exprs.put(panel.get("title").asText() + " " + target.get("refId").asText(), target.get("expr").asText());
      }
    }
    return exprs;
  }

  private static Set<String> metrics(String text) {
    Set<String> names = new TreeSet<>();
    Matcher m = METRIC.matcher(text);
    while (m.find()) { // a recording rule's name (siskin:...) does not match
      names.add(m.group());
    }
    return names;
  }

  private List<JsonNode> rules(String api) throws IOException, InterruptedException {
    List<JsonNode> out = new ArrayList<>();
    get(api + "rules").get("data").get("groups").forEach(g -> g.get("rules").forEach(out::add));
    return out;
  }

  private JsonNode query(String api, String expr) throws IOException, InterruptedException {
    JsonNode answer = get(api + "query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
    assertThat(answer.get("status").asText()).as(expr + ": " + answer).isEqualTo("success");
    return answer.get("data").get("result");
  }

  private JsonNode get(String url) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  private <T extends AutoCloseable> T keep(T closeable) {
    started.add(closeable);
    return closeable;
  }
}
