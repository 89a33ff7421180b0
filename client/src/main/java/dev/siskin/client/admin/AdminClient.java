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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * Reads the router's admin HTTP endpoint ({@code /clusters}, {@code /config}, {@code /ready}). Thread-safe
 * (HttpClient is).
 */
public final class AdminClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Target address;
  private final Duration timeout;
  private final HttpClient http;
  /** The router's admin token (router.admin-token-file), sent as a bearer token; null: none. */
  private final String token;
  private final String scheme;

  public AdminClient(Target address, Duration timeout) {
    this(address, timeout, null);
  }

  /** @param token the router's admin token, sent as {@code Authorization: Bearer}; null for none */
  public AdminClient(Target address, Duration timeout, String token) {
    this(address, timeout, token, null);
  }

  /**
   * @param token the router's admin token, sent as {@code Authorization: Bearer}; null for none
   * @param tls   HTTPS with this context (the router's {@code router.admin-tls}); null for plain HTTP
   */
  public AdminClient(Target address, Duration timeout, String token, SSLContext tls) {
    this.address = address;
    this.timeout = timeout;
    this.token = token;
    this.scheme = tls == null ? "http" : "https";
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(timeout);
    if (tls != null) {
      builder.sslContext(tls);
    }
    this.http = builder.build();
  }

  /** The backends and weights the router has in force. */
  public ClusterView clusters() throws AdminException {
    return parseClusters(getOk("/clusters"));
  }

  /** Health and finished calls per backend, from {@code /clusters}. */
  public List<BackendActivity> activity() throws AdminException {
    return parseActivity(getOk("/clusters"));
  }

  /** The config in force and the last reload attempt, from {@code /config}. */
  public RouterConfig config() throws AdminException {
    return parseConfig(getOk("/config"));
  }

  /**
   * The shadow comparison and the automated rollout from {@code /canary}; empty when the router has no such path
   * (an older version).
   */
  public Optional<CanaryStatus> canary() throws AdminException {
    HttpResponse<String> response = get("/canary");
    if (response.statusCode() == 404) {
      return Optional.empty();
    }
    return Optional.of(parseCanary(getOkBody(response, "/canary")));
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
    JsonNode root = readJson(body, "/clusters");
    JsonNode backends = backendsOf(root, "/clusters");
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

  /**
   * Parses the {@code /clusters} JSON for activity: per backend {@code name}, {@code configured},
   * {@code health.state}, {@code latencyMs.lastMinute.calls} and {@code callsTotal}.
   */
  static List<BackendActivity> parseActivity(String body) throws AdminException {
    List<BackendActivity> out = new ArrayList<>();
    for (JsonNode b : backendsOf(readJson(body, "/clusters"), "/clusters")) {
      JsonNode lastMinute = b.path("latencyMs").path("lastMinute").path("calls");
      JsonNode total = b.path("callsTotal");
      if (!b.path("name").isTextual() || !lastMinute.isIntegralNumber() || !total.isIntegralNumber()) {
        throw new AdminException("router admin /clusters: backend entry without text \"name\", integer "
            + "\"callsTotal\" and \"latencyMs.lastMinute.calls\": " + b);
      }
      JsonNode health = b.path("health").path("state");
      out.add(new BackendActivity(b.get("name").asText(), b.path("configured").asBoolean(true),
          health.isTextual() ? health.asText() : null, lastMinute.asLong(), total.asLong()));
    }
    return List.copyOf(out);
  }

  /**
   * Parses the {@code /config} JSON: {@code generation}, {@code appliedAt}, {@code source}, {@code backends}
   * (name, target, weight), {@code lastAttempt} (at, ok, error) and, when present, {@code routing} (forceHeader,
   * stickyHeader).
   */
  static RouterConfig parseConfig(String body) throws AdminException {
    JsonNode root = readJson(body, "/config");
    List<RouterConfig.Backend> backends = new ArrayList<>();
    for (JsonNode b : backendsOf(root, "/config")) {
      if (!b.path("name").isTextual() || !b.path("weight").isIntegralNumber()) {
        throw new AdminException("router admin /config: backend entry without text \"name\" and integer "
            + "\"weight\": " + b);
      }
      JsonNode fileWeight = b.path("fileWeight");
      backends.add(new RouterConfig.Backend(b.get("name").asText(), b.path("target").asText(""),
          b.get("weight").asLong(), fileWeight.isIntegralNumber() ? fileWeight.asLong() : null));
    }
    JsonNode attempt = root.path("lastAttempt");
    if (!attempt.path("ok").isBoolean()) {
      throw new AdminException("router admin /config has no boolean \"lastAttempt.ok\"");
    }
    JsonNode error = attempt.path("error");
    JsonNode routing = root.path("routing");
    RouterConfig.Routing rules = routing.path("forceHeader").isTextual() && routing.path("stickyHeader").isTextual()
        ? new RouterConfig.Routing(routing.get("forceHeader").asText(), routing.get("stickyHeader").asText()) : null;
    JsonNode rollout = root.path("rollout");
    RouterConfig.Rollout weightsFrom = rollout.path("state").isTextual()
        ? new RouterConfig.Rollout(rollout.get("state").asText(), rollout.path("setsWeights").asBoolean(false)) : null;
    return new RouterConfig(root.path("generation").asLong(-1), root.path("appliedAt").asText(""),
        root.path("source").asText(""), backends, new RouterConfig.ReloadAttempt(attempt.path("at").asText(""),
        attempt.get("ok").asBoolean(), error.isTextual() ? error.asText() : attempt.get("ok").asBoolean() ? null
        : "(the router gave no reason)"), rules, weightsFrom);
  }

  private static JsonNode readJson(String body, String path) throws AdminException {
    try {
      JsonNode root = JSON.readTree(body);
      if (root == null || !root.isObject()) {
        throw new AdminException("router admin " + path + " is not a JSON object");
      }
      return root;
    } catch (JsonProcessingException e) {
      throw new AdminException("router admin " + path + " is not JSON: " + e.getOriginalMessage());
    }
  }

  private static JsonNode backendsOf(JsonNode root, String path) throws AdminException {
    JsonNode backends = root.get("backends");
    if (backends == null || !backends.isArray() || backends.isEmpty()) {
      throw new AdminException("router admin " + path + " has no \"backends\" array");
    }
    return backends;
  }

  /**
   * Parses the {@code shadow} object of {@code /canary}: backend, compared, agreed, agreement.lower95/upper95,
   * flips (only the disagreeing ones are kept, most frequent first) and statusMismatches.
   */
  static ShadowAgreement parseShadow(String body) throws AdminException {
    JsonNode shadow = readJson(body, "/canary").path("shadow");
    if (!shadow.path("compared").isIntegralNumber() || !shadow.path("agreed").isIntegralNumber()) {
      throw new AdminException("router admin /canary: no integer \"shadow.compared\" and \"shadow.agreed\": " + body);
    }
    List<ShadowAgreement.Flip> flips = new ArrayList<>();
    for (JsonNode f : shadow.path("flips")) {
      String primary = f.path("primary").asText();
      String other = f.path("shadow").asText();
      if (!primary.equals(other)) {
        flips.add(new ShadowAgreement.Flip(primary, other, f.path("count").asLong()));
      }
    }
    flips.sort((a, b) -> Long.compare(b.count(), a.count()));
    JsonNode backend = shadow.path("backend");
    return new ShadowAgreement(backend.isTextual() ? backend.asText() : null, shadow.get("compared").asLong(),
        shadow.get("agreed").asLong(), shadow.path("agreement").path("lower95").asDouble(0),
        shadow.path("agreement").path("upper95").asDouble(1), flips, shadow.path("statusMismatches").asLong());
  }

  /**
   * Parses {@code /canary}: its {@code shadow} (null when not usable, see {@link #parseShadow}) and its
   * {@code rollout} (null without a text {@code rollout.state}). Lenient: the status must work with any router.
   */
  static CanaryStatus parseCanary(String body) throws AdminException {
    JsonNode root = readJson(body, "/canary");
    ShadowAgreement shadow;
    try {
      shadow = parseShadow(body);
    } catch (AdminException e) {
      shadow = null;
    }
    return new CanaryStatus(shadow, parseRollout(root.path("rollout")));
  }

  /** The {@code rollout} object of {@code /canary}, or null when there is none (an older router). */
  static RolloutStatus parseRollout(JsonNode r) {
    if (!r.path("state").isTextual()) {
      return null;
    }
    List<String> steps = new ArrayList<>();
    r.path("steps").forEach(s -> steps.add(s.asText()));
    RolloutStatus.Judge judge = null;
    JsonNode j = r.path("judge");
    if (j.isObject()) {
      List<RolloutStatus.Gate> gates = new ArrayList<>();
      j.path("gates").forEach(g -> gates.add(new RolloutStatus.Gate(g.path("gate").asText(""),
          g.path("verdict").asText(""), number(g.path("eValue")), number(g.path("bar")),
          number(g.path("upperBound")), number(g.path("limit")), g.path("reason").asText(""))));
      JsonNode counts = j.path("counts");
      judge = new RolloutStatus.Judge(j.path("verdict").asText(""), j.path("reason").asText(""),
          counts.path("canaryCalls").asLong(0), counts.path("compared").asLong(0), gates);
    }
    RolloutStatus.Decision last = null;
    JsonNode history = r.path("history");
    if (history.isArray() && !history.isEmpty()) {
      JsonNode d = history.get(history.size() - 1);
      last = new RolloutStatus.Decision(d.path("at").asText(""), d.path("kind").asText(""),
          d.path("fromStep").asInt(0), d.path("toStep").asInt(0), d.path("reason").asText(""));
    }
    JsonNode percent = r.path("canaryPercent");
    JsonNode minCalls = r.path("minCalls");
    return new RolloutStatus(r.get("state").asText(), r.path("runId").asText(""), r.path("baseline").asText(""),
        r.path("canary").asText(""), r.path("step").asInt(0), r.path("stepName").asText(""), steps,
        percent.isIntegralNumber() ? percent.asLong() : null, number(r.path("timeInStepSeconds")),
        number(r.path("stepTimeSeconds")), minCalls.isIntegralNumber() ? minCalls.asLong() : null,
        r.path("waiting").asText(""), judge, last, parsePeers(r.path("peers")));
  }

  private static RolloutStatus.Peers parsePeers(JsonNode p) {
    if (!p.path("role").isTextual()) {
      return RolloutStatus.Peers.ALONE; // a router from before shared rollouts
    }
    int following = 0;
    for (JsonNode f : p.path("followers")) {
      following += f.path("following").asBoolean(false) ? 1 : 0;
    }
    return new RolloutStatus.Peers(p.get("role").asText(), p.path("judge").asText(""),
        p.path("judgeProblem").asText(""), p.path("followers").size(), following);
  }

  private static Double number(JsonNode node) {
    return node.isNumber() ? node.asDouble() : null;
  }

  private String getOk(String path) throws AdminException {
    return getOkBody(get(path), path);
  }

  private String getOkBody(HttpResponse<String> response, String path) throws AdminException {
    if (response.statusCode() != 200) {
      throw new AdminException("router admin at " + address + " answered HTTP " + response.statusCode() + " on "
          + path + (response.body().isBlank() ? "" : ": " + response.body().strip().replaceAll("\\s+", " ")));
    }
    return response.body();
  }

  private HttpResponse<String> get(String path) throws AdminException {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(scheme + "://" + address + path)).timeout(timeout).GET();
    if (token != null) {
      builder.header("Authorization", "Bearer " + token);
    }
    HttpRequest request = builder.build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw AdminException.unreachable("router admin at " + address + " did not answer (connection refused)");
    } catch (HttpTimeoutException e) {
      throw AdminException.unreachable("router admin at " + address + " did not answer within " + timeout.toMillis()
          + " ms");
    } catch (SSLException e) {
      throw AdminException.unreachable("router admin at " + address + ": TLS failed (" + e.getMessage() + "); check "
          + "--admin-ca (the CA of its router.admin-tls.cert, which must name the host of " + address + "), and "
          + "--admin-cert/--admin-key when it requires a client certificate");
    } catch (IOException e) {
      throw AdminException.unreachable("router admin at " + address + " did not answer (" + e + ")"
          + ("http".equals(scheme) ? "; if it serves HTTPS (router.admin-tls), pass --admin-ca" : ""));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AdminException("interrupted while asking the router admin at " + address);
    }
  }
}
