package dev.siskin.router.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.router.metrics.RouterMetrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard's files on the real admin server: served from the jar, without the token, with their types. */
class DashboardAssetsTest {
  @TempDir
  Path dir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private RouterMetrics metrics;
  private AdminServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (metrics != null) {
      metrics.close();
    }
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void thePageAndItsFilesAreServedWithoutTheTokenAndTheDataIsNot() throws Exception {
    Path tokenFile = Files.writeString(dir.resolve("admin.token"), "page-token\n");
    metrics = new RouterMetrics(() -> null);
    server = AdminServer.builder().address("127.0.0.1:0").readiness(new Readiness()).config(() -> null)
        .metrics(metrics).token(AdminToken.fromFile(tokenFile)).start();

    HttpResponse<String> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
    assertThat(page.headers().firstValue("content-security-policy").orElseThrow()).startsWith("default-src 'self'");
    assertThat(page.body()).contains("<title>Siskin canary</title>").contains("/dashboard/uPlot.iife.min.js")
        .contains("/dashboard/dashboard.js");

    HttpResponse<String> uplot = get("/dashboard/uPlot.iife.min.js");
    assertThat(uplot.statusCode()).isEqualTo(200);
    assertThat(uplot.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
    assertThat(uplot.body()).hasSizeGreaterThan(40_000).contains("uPlot");
    assertThat(get("/dashboard/dashboard.js").body()).contains("/clusters").contains("visibilitychange");
    assertThat(get("/dashboard/dashboard.css").statusCode()).isEqualTo(200);
    assertThat(get("/dashboard/uPlot.LICENSE").body()).contains("MIT");
    assertThat(get("/dashboard/nothing.js").statusCode()).isEqualTo(404);

    // The data the page reads still needs the token.
    assertThat(get("/clusters").statusCode()).isEqualTo(401);
  }
}
