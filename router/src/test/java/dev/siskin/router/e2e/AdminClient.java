package dev.siskin.router.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.siskin.router.metrics.PrometheusTextParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;

/** HTTP GETs against the router's admin endpoint (and a model server's metrics port). Thread-safe. */
final class AdminClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String base;
  private final HttpClient http;

  AdminClient(String hostPort) {
    this.base = "http://" + hostPort;
    this.http = HTTP;
  }

  /** Over HTTPS with {@code tls} (router.admin-tls). */
  AdminClient(String hostPort, javax.net.ssl.SSLContext tls) {
    this.base = "https://" + hostPort;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).sslContext(tls).build();
  }

  static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return get(HTTP, url);
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Parses a Prometheus text exposition strictly (throws on any format violation). */
  static Map<String, PrometheusTextParser.Family> scrape(String url) throws IOException, InterruptedException {
    HttpResponse<String> response = get(url);
    if (response.statusCode() != 200) {
      throw new AssertionError(url + " answered " + response.statusCode() + ": " + response.body());
    }
    return PrometheusTextParser.parse(response.body());
  }

  int status(String path) throws IOException, InterruptedException {
    return get(http, base + path).statusCode();
  }

  /** The body of a 200 answer to {@code path}, as text. */
  String text(String path) throws IOException, InterruptedException {
    HttpResponse<String> response = get(http, base + path);
    if (response.statusCode() != 200) {
      throw new AssertionError(base + path + " answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  JsonNode json(String path) throws IOException, InterruptedException {
    return JSON.readTree(text(path));
  }

  JsonNode config() throws IOException, InterruptedException {
    return json("/config");
  }

  JsonNode clusters() throws IOException, InterruptedException {
    return json("/clusters");
  }

  Map<String, PrometheusTextParser.Family> metrics() throws IOException, InterruptedException {
    return PrometheusTextParser.parse(text("/metrics"));
  }

  long generation() throws IOException, InterruptedException {
    return config().get("generation").asLong();
  }

  /** Polls /config (every 10 ms, bounded by {@code timeout}) until {@code done} holds; returns that answer. */
  JsonNode awaitConfig(Predicate<JsonNode> done, Duration timeout, String what)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode last = config();
    while (!done.test(last)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("router /config did not show " + what + " within " + timeout + "; last: " + last);
      }
      Thread.sleep(10);
      last = config();
    }
    return last;
  }

  /** Waits until the generation in force is {@code generation} or later. */
  JsonNode awaitGeneration(long generation, Duration timeout) throws IOException, InterruptedException {
    return awaitConfig(c -> c.get("generation").asLong() >= generation, timeout, "generation " + generation);
  }

  @Override
  public String toString() {
    return base;
  }
}
