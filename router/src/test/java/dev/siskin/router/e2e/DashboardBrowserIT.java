package dev.siskin.router.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import dev.siskin.router.testing.RepoPaths;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The admin endpoint's dashboard in a real browser: Debian's headless Chromium, driven by Selenium through
 * Debian's chromedriver, opens {@code http://127.0.0.1:ADMIN/} of the router jar with two model servers, a
 * shadow and a running rollout under load. It must show both backends with numbers that change, a config
 * reload, a rollout step change, the same numbers as {@code /clusters} and {@code /canary} once the load
 * stops, and no error in the browser's console. A screenshot goes to {@code target/dashboard.png}.
 */
class DashboardBrowserIT {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path dir;
  private final List<AutoCloseable> started = new ArrayList<>();
  private ChromeDriver browser;

  @AfterEach
  void stop() throws Exception {
    if (browser != null) {
      browser.quit(); // ends chromedriver and the browser it started
    }
    for (int i = started.size() - 1; i >= 0; i--) {
      started.get(i).close();
    }
  }

  private static String conf(int listen, int admin, String v1, String v2, String policy) {
    return """
        router { listen = "127.0.0.1:%d", admin = "127.0.0.1:%d", policy = "%s" }
        backends {
          v1 { target = "%s", weight = 100 }
          v2 { target = "%s", weight = 0 }
        }
        shadow { backend = v2 }
        rollout {
          enabled = true
          run-id = "dashboard-it"
          steps = [10, 50, 90, 100]
          step-time = 10s
          min-calls = 50
          latency { baseline-calls = 50, margin = 4 }
        }
        """.formatted(listen, admin, policy, v1, v2);
  }

  @Test
  void theDashboardShowsTheBackendsAReloadAndARolloutStepAndMatchesTheJson() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER), "Debian's chromium "
        + "and chromium-driver are not installed (.ci/run installs them): the dashboard's browser test does not run");
    ModelServerJar v1 = keep(ModelServerJar.start("v1.0.0", Map.of()));
    ModelServerJar v2 = keep(ModelServerJar.start("v2.0.0", Map.of()));
    Path config = dir.resolve("canary.conf");
    int[] ports = new int[2];
    RouterJar router = keep(RouterJar.start("router-dashboard", config, (listen, admin) -> {
      ports[0] = listen;
      ports[1] = admin;
      Files.writeString(config, conf(listen, admin, v1.target(), v2.target(), "smooth-weighted-round-robin"));
    }));
    AtomicBoolean loading = new AtomicBoolean(true);
    AtomicInteger sent = new AtomicInteger();
    Thread load = new Thread(() -> {
      try (PredictClient client = new PredictClient(router.port())) {
        var rows = IrisRows.all();
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        for (int i = 0; loading.get() && i < 40_000 && System.nanoTime() < end; i++) {
          client.call(rows.get(i % rows.size()));
          sent.incrementAndGet();
          Thread.sleep(4);
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, "dashboard-load");
    load.start();
    try {
      browser = startBrowser();
      browser.get("http://127.0.0.1:" + ports[1] + "/");
      await("three updates", () -> updates() >= 3);

      // Both backends, with numbers that change.
      await("a row per backend", () -> backendRows().keySet().containsAll(List.of("v1", "v2")));
      String before = backendRows().get("v1").get(6);
      await("v1's calls by status to change", () -> !backendRows().get("v1").get(6).equals(before));
      await("a chart drawn", () -> !browser.findElements(By.cssSelector("#chart-rate canvas")).isEmpty());

      // A rollout step change.
      String rolloutBefore = text("rollout-summary");
      assertThat(rolloutBefore).contains("running");
      int step = stepOf(rolloutBefore);
      await("the rollout's next step", () -> stepOf(text("rollout-summary")) > step);
      assertThat(browser.findElements(By.cssSelector("#gates .gate"))).isNotEmpty();
      assertThat(browser.findElements(By.cssSelector("#history tbody tr"))).isNotEmpty();

      // A config reload: the policy changes, the generation with it.
      int generation = Integer.parseInt(browser.findElement(By.id("config-summary")).getDomAttribute(
          "data-generation"));
      Files.writeString(config, conf(ports[0], ports[1], v1.target(), v2.target(), "random"));
      await("the reloaded config's generation", () -> Integer.parseInt(browser.findElement(By.id("config-summary"))
          .getDomAttribute("data-generation")) > generation);

      // Without load the page and the JSON must say the same.
      loading.set(false);
      load.join(TimeUnit.SECONDS.toMillis(30));
      Thread.sleep(1_000); // calls still finishing
      int seen = updates();
      await("two more updates", () -> updates() >= seen + 2);
      JsonNode clusters = router.admin().json("/clusters");
      JsonNode shadow = router.admin().json("/canary").get("shadow");
      Map<String, List<String>> rows = backendRows();
      for (JsonNode b : clusters.get("backends")) {
        List<String> cells = rows.get(b.get("name").asText());
        List<String> codes = new ArrayList<>();
        b.get("callsByStatus").fields().forEachRemaining(e -> codes.add(e.getKey() + " " + e.getValue().asLong()));
        assertThat(cells.get(6)).as(b.get("name") + " calls by status").isEqualTo(String.join(", ", codes));
        assertThat(cells.get(2)).as(b.get("name") + " weight").startsWith(b.get("weight").asInt() + " (");
        assertThat(cells.get(5)).as(b.get("name") + " in flight").isEqualTo("0");
      }
      assertThat(text("shadow-summary")).contains(shadow.get("compared").asLong() + " compared, "
          + shadow.get("agreed").asLong() + " agreed");

      // No error in the console (a failed script, a failed request).
      List<String> severe = new ArrayList<>();
      for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
        if (e.getLevel().intValue() >= Level.SEVERE.intValue()) {
          severe.add(e.getMessage());
        }
      }
      assertThat(severe).as("browser console errors").isEmpty();
      assertThat(browser.findElement(By.id("status")).getDomAttribute("class")).isEqualTo("status");

      Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
      Path target = RepoPaths.repoRoot().resolve("router/target/dashboard.png");
      Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
      System.out.printf("dashboard: %d calls sent; page updated %d times; rollout %s; screenshot %s%n", sent.get(),
          updates(), text("rollout-summary"), RepoPaths.repoRoot().relativize(target));
    } finally {
      loading.set(false);
      load.join(TimeUnit.SECONDS.toMillis(30));
    }
  }

  private ChromeDriver startBrowser() {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--window-size=1280,1600", "--user-data-dir=" + dir.resolve("chromium-profile"));
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }

  private int updates() {
    String n = browser.findElement(By.tagName("body")).getDomAttribute("data-updates");
    return n == null ? 0 : Integer.parseInt(n);
  }

  private String text(String id) {
    return browser.findElement(By.id(id)).getText();
  }

  /**
   * The backends table: name to its cells' text, read in one script call -- the page replaces the rows at each
   * update, so elements looked up one by one can be gone before they are read.
   */
  @SuppressWarnings("unchecked")
  private Map<String, List<String>> backendRows() {
    List<List<String>> table = (List<List<String>>) browser.executeScript("return Array.from(document"
        + ".querySelectorAll('#backends tbody tr')).map(tr => [tr.dataset.backend].concat(Array.from(tr.cells)"
        + ".map(td => td.textContent)));");
    Map<String, List<String>> rows = new TreeMap<>();
    for (List<String> r : table) {
      rows.put(r.get(0), new ArrayList<>(r.subList(1, r.size())));
    }
    return rows;
  }

  private static int stepOf(String summary) {
    var m = java.util.regex.Pattern.compile("step (\\d+) of").matcher(summary);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  private void await(String what, java.util.concurrent.Callable<Boolean> done) {
    Awaitility.await(what).atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(done);
  }

  private <T extends AutoCloseable> T keep(T closeable) {
    started.add(closeable);
    return closeable;
  }
}
