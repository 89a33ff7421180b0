package dev.siskin.router.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.siskin.router.metrics.RouterMetrics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * router.admin-token-file on the real admin server: every path but the probes needs the bearer token; a
 * rotated file takes effect without a restart; a file that disappears keeps the last token (never open).
 */
class AdminTokenTest {
  @TempDir
  Path dir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private RouterMetrics metrics;
  private AdminServer server;

  private void start(AdminToken token) throws IOException {
    metrics = new RouterMetrics(() -> null);
    server = AdminServer.builder().address("127.0.0.1:0").readiness(new Readiness()).config(() -> null)
        .metrics(metrics).token(token).start();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
      metrics.close();
    }
  }

  private HttpResponse<String> get(String path, String authorization) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(10)).GET();
    if (authorization != null) {
      r.header("Authorization", authorization);
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private Path tokenFile(String token, Instant modified) throws IOException {
    Path file = dir.resolve("admin.token");
    Files.writeString(file, token + "\n");
    Files.setLastModifiedTime(file, FileTime.from(modified));
    return file;
  }

  @Test
  void everyPathButTheProbesNeedsTheTokenAndARotatedFileTakesEffect() throws Exception {
    Path file = tokenFile("first-token-0123", Instant.now().minusSeconds(60));
    start(AdminToken.fromFile(file));

    HttpResponse<String> none = get("/metrics", null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"siskin-admin\"");
    assertThat(none.body()).contains("router.admin-token-file");
    assertThat(get("/metrics", "Bearer wrong-token-0123").statusCode()).isEqualTo(401);
    assertThat(get("/metrics", "Basic Zmlyc3QtdG9rZW4tMDEyMw==").statusCode()).isEqualTo(401);
    assertThat(get("/metrics", "Bearer first-token-0123").statusCode()).isEqualTo(200);
    assertThat(get("/metrics", "bearer first-token-0123").statusCode()).as("the scheme in any case").isEqualTo(200);
    assertThat(get("/live", null).statusCode()).as("probes send no token").isEqualTo(200);
    assertThat(get("/ready", null).statusCode()).isEqualTo(503); // not ready, but not refused

    tokenFile("second-token-4567", Instant.now());
    assertThat(get("/metrics", "Bearer second-token-4567").statusCode()).isEqualTo(200);
    assertThat(get("/metrics", "Bearer first-token-0123").statusCode()).as("the old token").isEqualTo(401);

    Files.delete(file);
    assertThat(get("/metrics", null).statusCode()).as("a vanished file does not open the endpoint").isEqualTo(401);
    assertThat(get("/metrics", "Bearer second-token-4567").statusCode()).isEqualTo(200);
  }

  @Test
  void anEmptyOrMissingFileIsRefusedAtStartWithWhatIsWrong() throws Exception {
    assertThatThrownBy(() -> AdminToken.fromFile(dir.resolve("none"))).hasMessage("no such file");
    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    assertThatThrownBy(() -> AdminToken.fromFile(empty)).hasMessageStartingWith("the file is empty");
    Path two = Files.writeString(dir.resolve("two"), "one two\n");
    assertThatThrownBy(() -> AdminToken.fromFile(two)).hasMessageStartingWith("it holds more than one word");
  }

  @Test
  void withoutATokenFileEveryRequestIsAnswered() throws Exception {
    start(AdminToken.NONE);
    assertThat(get("/metrics", null).statusCode()).isEqualTo(200);
    assertThat(AdminToken.NONE.authorizationHeader()).isEmpty();
  }
}
