package dev.siskin.client.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.siskin.client.Target;
import dev.siskin.client.dist.ExpectedShares;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the router's admin HTTP endpoint ({@code /clusters}, {@code /ready}). Thread-safe (HttpClient is).
 */
public final class AdminClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Target address;
  private final Duration timeout;
  private final HttpClient http;

  public AdminClient(Target address, Duration timeout) {
    this.address = address;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  /** The backends and weights the router has in force. */
  public ClusterView clusters() throws AdminException {
    HttpResponse<String> response = get("/clusters");
    if (response.statusCode() != 200) {
      throw new AdminException("router admin at " + address + " answered HTTP " + response.statusCode() + " on /clusters");
    }
    return parseClusters(response.body());
  }

  /** The HTTP status of {@code /ready}: 200 when the router is ready to serve, 503 when not. */
  public int readyStatus() throws AdminException {
    return get("/ready").statusCode();
  }

  /**
   * Parses the {@code /clusters} JSON: {@code {"generation":3,"backends":[{"name":"v1","weight":90,...},...]}}.
   * Only name and weight are needed; other fields are ignored so that the router may add more.
   */
  static ClusterView parseClusters(String body) throws AdminException {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new AdminException("router admin /clusters is not JSON: " + e.getOriginalMessage());
    }
    JsonNode backends = root == null ? null : root.get("backends");
    if (backends == null || !backends.isArray() || backends.isEmpty()) {
      throw new AdminException("router admin /clusters has no \"backends\" array");
    }
    Map<String, Double> weights = new LinkedHashMap<>();
    for (JsonNode backend : backends) {
      JsonNode name = backend.get("name");
      JsonNode weight = backend.get("weight");
      if (name == null || !name.isTextual() || weight == null || !weight.isNumber()) {
        throw new AdminException("router admin /clusters: backend entry without text \"name\" and numeric \"weight\": "
            + backend);
      }
      weights.put(name.asText(), weight.asDouble());
    }
    long generation = root.path("generation").asLong(-1);
    try {
      return new ClusterView(generation, new ExpectedShares(weights, "router admin /clusters"));
    } catch (IllegalArgumentException e) {
      throw new AdminException("router admin /clusters: " + e.getMessage());
    }
  }

  private HttpResponse<String> get(String path) throws AdminException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address + path)).timeout(timeout).GET().build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new AdminException("router admin at " + address + " did not answer (connection refused)");
    } catch (HttpTimeoutException e) {
      throw new AdminException("router admin at " + address + " did not answer within " + timeout.toMillis() + " ms");
    } catch (IOException e) {
      throw new AdminException("router admin at " + address + " did not answer (" + e + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AdminException("interrupted while asking the router admin at " + address);
    }
  }
}
