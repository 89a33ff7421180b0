package dev.siskin.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/prometheus} and {@code deploy/grafana}: the alerting rules pass {@code promtool check rules} and
 * their unit tests ({@code promtool test rules}, a firing and a silent case for every alert), and the Grafana
 * dashboard is provisioning-ready JSON. That each query runs on a real scrape is MonitoringQueriesIT's (router).
 */
class MonitoringFilesTest {
  private static final Path PROMETHEUS = RepoFiles.root().resolve("deploy/prometheus");
  private static final Path DASHBOARD = RepoFiles.root().resolve("deploy/grafana/siskin.json");

  @Test
  void theAlertingRulesPassPromtoolsChecksAndUnitTests() throws Exception {
    Path promtool = Path.of("/usr/bin/promtool");
    assumeTrue(Files.isExecutable(promtool), "promtool is not installed (Debian: apt-get install prometheus; "
        + ".ci/run installs it)");
    String check = run(promtool.toString(), "check", "rules", "siskin-rules.yaml");
    assertThat(check).contains("SUCCESS: 11 rules found");
    String test = run(promtool.toString(), "test", "rules", "siskin-rules.test.yaml");
    assertThat(test).contains("SUCCESS");

    // Every alert of the rules has a case of its own in the unit tests.
    String rules = Files.readString(PROMETHEUS.resolve("siskin-rules.yaml"));
    String tests = Files.readString(PROMETHEUS.resolve("siskin-rules.test.yaml"));
    List<String> alerts = new ArrayList<>();
    for (String line : rules.split("\n")) {
      if (line.trim().startsWith("- alert: ")) {
        alerts.add(line.trim().substring("- alert: ".length()));
      }
    }
    assertThat(alerts).hasSize(10);
    for (String alert : alerts) {
      assertThat(tests).as(alert).contains("alertname: " + alert + "\n        exp_alerts:\n          - exp_labels:");
    }
  }

  @Test
  void theGrafanaDashboardIsProvisioningReady() throws IOException {
    String text = Files.readString(DASHBOARD);
    // An "export for sharing externally" carries inputs that provisioning cannot fill.
    assertThat(text).doesNotContain("__inputs").doesNotContain("${DS_");
    JsonNode d = new ObjectMapper().readTree(text);
    assertThat(d.get("id").isNull()).isTrue();
    assertThat(d.get("uid").asText()).isEqualTo("siskin-canary");
    JsonNode vars = d.get("templating").get("list");
    assertThat(vars.get(0).get("name").asText()).isEqualTo("datasource");
    assertThat(vars.get(0).get("type").asText()).isEqualTo("datasource");
    assertThat(vars.get(0).get("query").asText()).isEqualTo("prometheus");

    Set<Integer> ids = new HashSet<>();
    int queries = 0;
    List<int[]> boxes = new ArrayList<>();
    for (JsonNode p : d.get("panels")) {
      String type = p.get("type").asText();
      assertThat(type).as(p.get("title").asText()).isIn("row", "timeseries", "stat");
      assertThat(ids.add(p.get("id").asInt())).as("unique panel id " + p.get("id")).isTrue();
      JsonNode g = p.get("gridPos");
      int[] box = {g.get("x").asInt(), g.get("y").asInt(), g.get("w").asInt(), g.get("h").asInt()};
      assertThat(box[0] + box[2]).as(p.get("title").asText() + " inside the 24 columns").isLessThanOrEqualTo(24);
      for (int[] other : boxes) {
        boolean overlap = box[0] < other[0] + other[2] && other[0] < box[0] + box[2]
            && box[1] < other[1] + other[3] && other[1] < box[1] + box[3];
        assertThat(overlap).as(p.get("title").asText() + " overlaps another panel").isFalse();
      }
      boxes.add(box);
      if (type.equals("row")) {
        continue;
      }
      assertThat(p.get("datasource").get("uid").asText()).isEqualTo("${datasource}");
      assertThat(p.get("targets")).as(p.get("title").asText()).isNotEmpty();
      for (JsonNode t : p.get("targets")) {
        assertThat(t.get("datasource").get("uid").asText()).isEqualTo("${datasource}");
        assertThat(t.get("expr").asText()).contains("job=~\"$job\"").contains("instance=~\"$instance\"");
        queries++;
      }
    }
    assertThat(queries).isGreaterThanOrEqualTo(25);
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).directory(PROMETHEUS.toFile()).redirectErrorStream(true).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not end within 60 s");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + out).isZero();
    return out;
  }
}
