package dev.siskin.router.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.siskin.router.accesslog.AccessLogFormat;
import dev.siskin.router.route.Policy;
import dev.siskin.tls.TlsFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a parsed and resolved canary.conf into a {@link CanaryConfig}, checking every key and value and
 * collecting every problem (see {@link Problems}). Not thread-safe: one instance per parse.
 */
final class SnapshotReader {
  static final String ROUTER = "router";
  static final String BACKENDS = "backends";
  static final String TARGET = "target";
  static final String WEIGHT = "weight";
  /** Guards against typos such as 10000000 and keeps every sum of weights far from overflow. */
  static final int MAX_WEIGHT = 1_000_000;

  /**
   * Backend names go into the {@code x-canary-backend} header, logs and metric labels: keep them to a
   * token every one of those accepts unquoted.
   */
  private static final Pattern BACKEND_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
  private static final Pattern INTEGER = Pattern.compile("-?[0-9]{1,10}");
  static final String ROUTING = RoutingSettingsReader.ROUTING;
  private static final Set<String> ROOT_KEYS = Set.of(ROUTER, ROUTING, BACKENDS, ShadowSettingsReader.SHADOW,
      RolloutSettingsReader.ROLLOUT);
  static final String MAX_IN_FLIGHT = "max-in-flight";
  static final String HEALTH_CHECK_SERVICE = "health-check-service";
  static final String BACKEND_TLS = "tls";
  private static final Set<String> BACKEND_KEYS = Set.of(TARGET, WEIGHT, MAX_IN_FLIGHT, HEALTH_CHECK_SERVICE,
      BACKEND_TLS);
  /**
   * Keys of the router block that the router no longer reads, with why: accepted (a file written for an earlier
   * router keeps loading and hot-reloading) and reported as a notice, never as a problem.
   */
  static final Map<String, String> OBSOLETE_ROUTER_KEYS = obsoleteRouterKeys();
  private static final String BACKENDS_EXPECTED =
      "at least one backend: backends { v1 { target = \"host:port\", weight = 90 } }";

  private static Map<String, String> obsoleteRouterKeys() {
    Map<String, String> keys = new java.util.LinkedHashMap<>();
    keys.put("forwarding", "it chose the forwarding core; the grpc-java core has been removed, so forwarding = "
        + "\"grpc\" is no longer available: the router runs the frame core, its only one");
    keys.put("max-message-bytes", "it capped messages on the grpc-java core, which has been removed; the frame core "
        + "has no message cap: it passes messages on frame by frame and never holds one whole");
    keys.put("message-memory", "it budgeted the messages the grpc-java core held whole, and that core has been "
        + "removed; the frame core has no message cap and holds no message whole");
    return java.util.Collections.unmodifiableMap(keys);
  }

  private final Path file;
  private final Config routerDefaults;
  private final Problems problems;

  /**
   * @param routerDefaults reference.conf's own blocks ({@code router}, {@code routing}): their keys are the known
   *                       ones
   */
  SnapshotReader(Path file, Config routerDefaults) {
    this.file = file;
    this.routerDefaults = routerDefaults;
    this.problems = new Problems(file);
  }

  /**
   * @param fileRootKeys the top-level keys the file itself wrote (the resolved config also holds the
   *                     environment, whose keys are not config)
   */
  CanaryConfig read(Set<String> fileRootKeys, Config resolved, Instant loadedAt) throws ConfigException {
    for (String key : fileRootKeys) {
      if (!ROOT_KEYS.contains(key)) {
        ConfigValue value = resolved.root().get(key);
        unknownKey(value.origin(), Problems.path(key), key, ROOT_KEYS);
      }
    }
    RouterSettings router = readRouter(resolved.root().get(ROUTER));
    RoutingSettings routing = new RoutingSettingsReader(problems)
        .read(resolved.root().get(ROUTING), routerDefaults.getObject(ROUTING));
    List<BackendSpec> backends = readBackends(resolved.root().get(BACKENDS));
    ShadowSettings shadow = new ShadowSettingsReader(resolved, problems).read(
        backends == null ? null : backends.stream().map(BackendSpec::name).collect(java.util.stream.Collectors.toSet()),
        routerDefaults.getObject(ShadowSettingsReader.SHADOW).keySet());
    RolloutSettings rollout = new RolloutSettingsReader(resolved.root().get(RolloutSettingsReader.ROLLOUT),
        routerDefaults.getConfig(RolloutSettingsReader.ROLLOUT), problems).read(backends.isEmpty() ? null : backends,
        fileRootKeys.contains(RolloutSettingsReader.ROLLOUT));
    problems.throwIfAny();
    return new CanaryConfig(router, routing, backends, shadow, rollout, file, loadedAt);
  }

  /** What the last {@link #read} accepted but reports (obsolete keys), as {@code file:line: path = value: why}. */
  List<String> notices() {
    return problems.notices();
  }

  private RouterSettings readRouter(ConfigValue value) {
    if (value.valueType() != ConfigValueType.OBJECT) {
      problems.add(value.origin(), null, ROUTER, render(value) + " (expected: an object router { listen = ..., admin = ... })");
      return null;
    }
    ConfigObject object = (ConfigObject) value;
    Set<String> known = routerDefaults.getObject(ROUTER).keySet();
    for (String key : object.keySet()) {
      String obsolete = OBSOLETE_ROUTER_KEYS.get(key);
      if (obsolete != null) {
        ConfigValue old = object.get(key);
        problems.addNotice(old.origin(), object.origin(), Problems.path(ROUTER, key) + " = " + render(old)
            + ": obsolete and ignored (" + obsolete + "); remove it from the file");
      } else if (!known.contains(key)) {
        unknownKey(object.get(key).origin(), Problems.path(ROUTER, key), key, known);
      }
    }
    FailureSettingsReader.checkNestedKeys(object, routerDefaults.getConfig(ROUTER), problems);
    Config router = object.toConfig();
    try {
      // Typesafe's own type check of the router block against reference.conf (e.g. access-log = [1]).
      router.atKey(ROUTER).checkValid(routerDefaults, ROUTER);
    } catch (com.typesafe.config.ConfigException.ValidationFailed e) {
      e.problems().forEach(p -> problems.add(p.origin(), object.origin(), p.path(), p.problem()));
      return null;
    }
    String listen = address(object, "listen");
    String admin = address(object, "admin");
    Policy policy = policy(object);
    Boolean accessLog = bool(router, object, "access-log");
    AccessLogFormat accessLogFormat = accessLogFormat(object);
    FailureSettings failure = new FailureSettingsReader(router, object, problems).read();
    Integer warmUpCalls = warmUpCalls(router, object);
    Optional<TlsFiles> tls = new TlsSettingsReader(file, problems).read(object);
    ClientLimits clientLimits = clientLimits(router, object);
    AdminAccess adminAccess = adminAccess(router, object);
    String plaintextListen = plaintextListen(object, listen, tls);
    if (listen == null || admin == null || policy == null || accessLog == null || accessLogFormat == null
        || failure == null || warmUpCalls == null || tls == null || clientLimits == null || adminAccess == null
        || plaintextListen == null) {
      return null;
    }
    return new RouterSettings(listen, admin, policy, accessLog, accessLogFormat, failure, warmUpCalls, tls,
        clientLimits, adminAccess, plaintextListen);
  }

  /** The failure-handling settings of reference.conf itself. */
  static FailureSettings readDefaults(Config routerDefaults) {
    Problems problems = new Problems(Path.of("reference.conf"));
    Config router = routerDefaults.getConfig(ROUTER);
    return fromReference(new FailureSettingsReader(router, router.root(), problems).read(), problems);
  }

  /** The routing rules of reference.conf itself. */
  static RoutingSettings readRoutingDefaults(Config defaults) {
    Problems problems = new Problems(Path.of("reference.conf"));
    return fromReference(new RoutingSettingsReader(problems)
        .read(defaults.root().get(ROUTING), defaults.getObject(ROUTING)), problems);
  }

  /** {@code settings} read from reference.conf; when null, its problems are a bug of the router itself. */
  private static <T> T fromReference(T settings, Problems problems) {
    if (settings == null) {
      try {
        problems.throwIfAny();
      } catch (ConfigException e) {
        throw new IllegalStateException("the router's reference.conf is broken: " + e.getMessage(), e);
      }
    }
    return settings;
  }

  private String address(ConfigObject router, String key) {
    ConfigValue value = router.get(key);
    // A bare number such as 50051 fails the same check as a string without a port.
    String problem = Addresses.checkBindAddress(value.valueType() == ConfigValueType.STRING ? (String) value.unwrapped() : "");
    if (problem != null) {
      problems.add(value.origin(), router.origin(), Problems.path(ROUTER, key),
          render(value) + " (expected: " + problem + ")");
      return null;
    }
    return (String) value.unwrapped();
  }

  private Policy policy(ConfigObject router) {
    ConfigValue value = router.get("policy");
    String text = value.valueType() == ConfigValueType.STRING ? (String) value.unwrapped() : render(value);
    try {
      return Policy.fromConfig(text);
    } catch (IllegalArgumentException e) {
      String expected = String.join(" or ", Arrays.stream(Policy.values()).map(Policy::configName).toList());
      problems.add(value.origin(), router.origin(), Problems.path(ROUTER, "policy"),
          render(value) + " (expected: " + expected + ")");
      return null;
    }
  }

  private AccessLogFormat accessLogFormat(ConfigObject router) {
    ConfigValue value = router.get("access-log-format");
    String text = value.valueType() == ConfigValueType.STRING ? (String) value.unwrapped() : render(value);
    try {
      return AccessLogFormat.fromConfig(text);
    } catch (IllegalArgumentException e) {
      String expected = String.join(" or ",
          Arrays.stream(AccessLogFormat.values()).map(AccessLogFormat::configName).toList());
      problems.add(value.origin(), router.origin(), Problems.path(ROUTER, "access-log-format"),
          render(value) + " (expected: " + expected + ")");
      return null;
    }
  }

  /** {@code router.plaintext-listen}: "" or an address; only beside a TLS listener, and not the same one. */
  private String plaintextListen(ConfigObject object, String listen, Optional<TlsFiles> tls) {
    String key = "plaintext-listen";
    ConfigValue value = object.get(key);
    if (value.valueType() == ConfigValueType.STRING && ((String) value.unwrapped()).isEmpty()) {
      return "";
    }
    String address = address(object, key);
    if (address == null) {
      return null;
    }
    if (tls != null && tls.isEmpty()) {
      problems.add(value.origin(), object.origin(), Problems.path(ROUTER, key), render(value) + " (expected: \"\" "
          + "without router.tls: router.listen is plaintext already; this is a plaintext twin of a TLS listener)");
      return null;
    }
    if (address.equals(listen)) {
      problems.add(value.origin(), object.origin(), Problems.path(ROUTER, key), render(value)
          + " (expected: another address than router.listen, which serves TLS)");
      return null;
    }
    return address;
  }

  private AdminAccess adminAccess(Config router, ConfigObject object) {
    String tokenKey = "admin-token-file";
    ConfigValue token = object.get(tokenKey);
    String tokenPath = token.valueType() == ConfigValueType.STRING ? ((String) token.unwrapped()).trim() : null;
    if (tokenPath == null) {
      problems.add(token.origin(), object.origin(), Problems.path(ROUTER, tokenKey),
          render(token) + " (expected: a quoted path of a file holding the token, or \"\" for none)");
    }
    Boolean examples = bool(router, object, "admin-disagreement-examples");
    Optional<AdminTlsFiles> tls = new TlsSettingsReader(file, problems).readAdmin(object);
    if (tokenPath == null || examples == null || tls == null) {
      return null;
    }
    return new AdminAccess(tokenPath.isEmpty() ? Optional.empty()
        : Optional.of(TlsSettingsReader.resolve(file, tokenPath)), examples, tls);
  }

  private ClientLimits clientLimits(Config router, ConfigObject object) {
    String idleKey = "client-idle-timeout";
    String maxKey = "max-connections-per-client-address";
    Duration idle = null;
    try {
      idle = router.getDuration(idleKey);
    } catch (com.typesafe.config.ConfigException e) {
      // reported below
    }
    if (idle == null || idle.isNegative() || (!idle.isZero() && idle.compareTo(Duration.ofSeconds(1)) < 0)) {
      ConfigValue value = object.get(idleKey);
      problems.add(value.origin(), object.origin(), Problems.path(ROUTER, idleKey),
          render(value) + " (expected: a duration of at least 1s such as 5m, or 0 for none)");
      idle = null;
    }
    ConfigValue max = object.get(maxKey);
    Integer maxConnections = max.valueType() == ConfigValueType.NUMBER && max.unwrapped() instanceof Integer n
        && n >= 0 ? n : null;
    if (maxConnections == null) {
      problems.add(max.origin(), object.origin(), Problems.path(ROUTER, maxKey),
          render(max) + " (expected: a whole number of connections >= 0; 0 = no limit)");
    }
    return idle == null || maxConnections == null ? null : new ClientLimits(idle, maxConnections);
  }

  private Integer warmUpCalls(Config router, ConfigObject object) {
    String key = "warm-up-calls";
    ConfigValue value = object.get(key);
    if (value.valueType() == ConfigValueType.NUMBER && value.unwrapped() instanceof Integer n
        && n >= 0 && n <= 1_000_000) {
      return n;
    }
    problems.add(value.origin(), object.origin(), Problems.path(ROUTER, key),
        render(value) + " (expected: a whole number of calls from 0 to 1000000; 0 = no warm-up)");
    return null;
  }

  private Boolean bool(Config router, ConfigObject object, String key) {
    try {
      return router.getBoolean(key);
    } catch (com.typesafe.config.ConfigException e) {
      ConfigValue value = object.get(key);
      problems.add(value.origin(), object.origin(), Problems.path(ROUTER, key),
          render(value) + " (expected: true or false)");
      return null;
    }
  }

  private List<BackendSpec> readBackends(ConfigValue value) {
    if (value == null) {
      problems.addFileProblem(BACKENDS + ": missing (expected: " + BACKENDS_EXPECTED + ")");
      return List.of();
    }
    if (value.valueType() != ConfigValueType.OBJECT) {
      problems.add(value.origin(), null, BACKENDS, render(value) + " (expected: " + BACKENDS_EXPECTED + ")");
      return List.of();
    }
    ConfigObject object = (ConfigObject) value;
    if (object.isEmpty()) {
      problems.add(object.origin(), null, BACKENDS, "no backends (expected: " + BACKENDS_EXPECTED + ")");
      return List.of();
    }
    // HOCON objects are unordered: sort by where each backend was written, so "file order" holds.
    List<Map.Entry<String, ConfigValue>> entries = new ArrayList<>(object.entrySet());
    entries.sort(Comparator.<Map.Entry<String, ConfigValue>>comparingInt(e -> e.getValue().origin().lineNumber())
        .thenComparing(Map.Entry::getKey));
    List<BackendSpec> backends = new ArrayList<>();
    boolean complete = true;
    long sum = 0;
    for (Map.Entry<String, ConfigValue> entry : entries) {
      BackendSpec backend = readBackend(entry.getKey(), entry.getValue(), object.origin());
      if (backend == null) {
        complete = false;
      } else {
        backends.add(backend);
        sum += backend.weight();
      }
    }
    if (complete && sum == 0) {
      problems.add(object.origin(), null, BACKENDS,
          "every weight is 0 (expected: at least one backend with weight > 0)");
    }
    return backends;
  }

  private BackendSpec readBackend(String name, ConfigValue value, ConfigOrigin backendsOrigin) {
    String path = Problems.path(BACKENDS, name);
    boolean ok = true;
    if (!BACKEND_NAME.matcher(name).matches()) {
      problems.add(value.origin(), backendsOrigin, path, "the name \"" + name + "\" is not usable in the "
          + "x-canary-backend header (expected: 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit)");
      ok = false;
    }
    if (value.valueType() != ConfigValueType.OBJECT) {
      problems.add(value.origin(), backendsOrigin, path,
          render(value) + " (expected: an object { target = \"host:port\", weight = N })");
      return null;
    }
    ConfigObject backend = (ConfigObject) value;
    for (String key : backend.keySet()) {
      if (!BACKEND_KEYS.contains(key)) {
        unknownKey(backend.get(key).origin(), Problems.path(BACKENDS, name, key), key, BACKEND_KEYS);
        ok = false;
      }
    }
    String target = target(name, backend);
    Integer weight = weight(name, backend);
    Integer maxInFlight = maxInFlight(name, backend);
    String healthService = healthCheckService(name, backend);
    ConfigValue tlsValue = backend.get(BACKEND_TLS);
    BackendTlsSettings tls = tlsValue == null ? null
        : new TlsSettingsReader(file, problems).readBackend(name, tlsValue, backend);
    return ok && target != null && weight != null && maxInFlight != null
        && (healthService != null || !backend.containsKey(HEALTH_CHECK_SERVICE))
        && (tls != null || tlsValue == null)
        ? new BackendSpec(name, target, weight, maxInFlight, healthService, Optional.ofNullable(tls)) : null;
  }

  /** {@code backends.<name>.max-in-flight}, or {@link BackendSpec#INHERIT} when absent; null when bad. */
  private Integer maxInFlight(String name, ConfigObject backend) {
    ConfigValue value = backend.get(MAX_IN_FLIGHT);
    if (value == null) {
      return BackendSpec.INHERIT;
    }
    Long n = integerValue(value);
    if (n == null || n < 0 || n > Integer.MAX_VALUE) {
      problems.add(value.origin(), backend.origin(), Problems.path(BACKENDS, name, MAX_IN_FLIGHT),
          render(value) + " (expected: an integer >= 0; 0 = no limit)");
      return null;
    }
    return n.intValue();
  }

  /** {@code backends.<name>.health-check-service}, or null when absent or bad. */
  private String healthCheckService(String name, ConfigObject backend) {
    ConfigValue value = backend.get(HEALTH_CHECK_SERVICE);
    if (value == null) {
      return null;
    }
    if (value.valueType() != ConfigValueType.STRING) {
      problems.add(value.origin(), backend.origin(), Problems.path(BACKENDS, name, HEALTH_CHECK_SERVICE),
          render(value) + " (expected: a quoted service name such as \"mlservice.v1.PredictionService\", or \"\")");
      return null;
    }
    return (String) value.unwrapped();
  }

  private String target(String name, ConfigObject backend) {
    String path = Problems.path(BACKENDS, name, TARGET);
    ConfigValue value = backend.get(TARGET);
    if (value == null) {
      problems.add(backend.origin(), null, path, "missing (expected: " + Addresses.TARGET_EXPECTED + ")");
      return null;
    }
    String problem = value.valueType() == ConfigValueType.STRING
        ? Addresses.checkTarget((String) value.unwrapped())
        : "a quoted string, " + Addresses.TARGET_EXPECTED;
    if (problem != null) {
      problems.add(value.origin(), backend.origin(), path, render(value) + " (expected: " + problem + ")");
      return null;
    }
    return (String) value.unwrapped();
  }

  private Integer weight(String name, ConfigObject backend) {
    String path = Problems.path(BACKENDS, name, WEIGHT);
    ConfigValue value = backend.get(WEIGHT);
    if (value == null) {
      problems.add(backend.origin(), null, path, "missing (expected: an integer >= 0)");
      return null;
    }
    Long weight = integerValue(value);
    if (weight == null || weight < 0) {
      problems.add(value.origin(), backend.origin(), path, render(value) + " (expected: an integer >= 0)");
      return null;
    }
    if (weight > MAX_WEIGHT) {
      problems.add(value.origin(), backend.origin(), path,
          render(value) + " (expected: at most " + MAX_WEIGHT + "; only the ratio of weights matters)");
      return null;
    }
    return weight.intValue();
  }

  /**
   * The integer a value holds, or null. Accepts integral numbers ({@code 10}, {@code 1e2}) and strings
   * of digits, which is what {@code weight = ${?V2_WEIGHT}} yields from the environment.
   */
  private static Long integerValue(ConfigValue value) {
    if (value.valueType() == ConfigValueType.NUMBER) {
      Number n = (Number) value.unwrapped();
      double d = n.doubleValue();
      if (n instanceof Integer || n instanceof Long) {
        return n.longValue();
      }
      return d == Math.rint(d) && Math.abs(d) < 1e15 ? (long) d : null;
    }
    if (value.valueType() == ConfigValueType.STRING && INTEGER.matcher((String) value.unwrapped()).matches()) {
      return Long.parseLong((String) value.unwrapped());
    }
    return null;
  }

  private void unknownKey(ConfigOrigin origin, String path, String key, Set<String> known) {
    problems.addUnknownKey(origin, path, key, known);
  }

  static String render(ConfigValue value) {
    return value.render(ConfigRenderOptions.concise());
  }

}
