package dev.siskin.router.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the failure-handling keys of the {@code router} block into {@link FailureSettings}, adding every bad
 * value to {@link Problems}. Types were already checked against reference.conf; this checks ranges and
 * names. Not thread-safe: one instance per parse.
 */
final class FailureSettingsReader {
  static final String HEALTH_CHECK = "health-check";
  static final String OUTLIER = "outlier-detection";
  static final String RETRY = "retry";
  /** Retries beyond a few only add load to an outage; Envoy's default is 1 retry as well. */
  static final int MAX_ATTEMPTS_LIMIT = 5;
  /** The shortest {@code router.dns-refresh} other than 0. */
  static final Duration MIN_DNS_REFRESH = Duration.ofSeconds(1);
  /** A full gRPC method name, {@code package.Service/Method}; also used by the shadow block. */
  static final Pattern FULL_METHOD = Pattern.compile("[^/\\s]+/[^/\\s]+");

  private final Config router;
  private final ConfigObject object;
  private final Problems problems;
  private boolean ok = true;

  /**
   * @param router the resolved router block (file over reference.conf)
   * @param object the same block as an object, for the origins of values
   */
  FailureSettingsReader(Config router, ConfigObject object, Problems problems) {
    this.router = router;
    this.object = object;
    this.problems = problems;
  }

  /** The settings, or null when a value was bad (the problems say which). */
  FailureSettings read() {
    var healthCheck = new FailureSettings.HealthCheck(
        bool(HEALTH_CHECK + ".enabled"),
        positive(HEALTH_CHECK + ".interval"),
        positive(HEALTH_CHECK + ".timeout"),
        atLeast(HEALTH_CHECK + ".unhealthy-threshold", 1, 1000),
        atLeast(HEALTH_CHECK + ".healthy-threshold", 1, 1000),
        router.getString(HEALTH_CHECK + ".service"));
    var outlier = new FailureSettings.Outlier(
        bool(OUTLIER + ".enabled"),
        atLeast(OUTLIER + ".consecutive-failures", 1, 1_000_000),
        codes(OUTLIER + ".codes"),
        positive(OUTLIER + ".base-ejection-time"),
        positive(OUTLIER + ".max-ejection-time"),
        atLeast(OUTLIER + ".max-ejection-percent", 0, 100));
    var retry = new FailureSettings.Retry(
        atLeast(RETRY + ".max-attempts", 1, MAX_ATTEMPTS_LIMIT),
        bytes(RETRY + ".buffer-limit"),
        atLeast(RETRY + ".budget-percent", 0, 100),
        atLeast(RETRY + ".budget-min-concurrency", 0, 1_000_000),
        methods(RETRY + ".idempotent-methods"),
        codes(RETRY + ".idempotent-codes"));
    var limits = new FailureSettings.Limits(
        notNegative("default-deadline"),
        positive("connect-timeout"),
        notNegative("keepalive-time"),
        positive("keepalive-timeout"),
        atLeast("max-in-flight-per-backend", 0, Integer.MAX_VALUE),
        notNegative("drain-grace"),
        notNegative("drain-timeout"),
        dnsRefresh("dns-refresh"));
    if (ok && outlier.maxEjectionTime().compareTo(outlier.baseEjectionTime()) < 0) {
      fail(OUTLIER + ".max-ejection-time", "shorter than base-ejection-time " + outlier.baseEjectionTime()
          + " (expected: >= base-ejection-time)");
    }
    if (ok && healthCheck.timeout().compareTo(healthCheck.interval()) > 0) {
      fail(HEALTH_CHECK + ".timeout", "longer than interval " + healthCheck.interval()
          + " (expected: <= interval, so that checks do not pile up)");
    }
    return ok ? new FailureSettings(healthCheck, outlier, retry, limits) : null;
  }

  /** Reports keys inside the nested blocks that reference.conf does not know (typos such as {@code intervall}). */
  static void checkNestedKeys(ConfigObject fileRouter, Config defaults, Problems problems) {
    for (String block : List.of(HEALTH_CHECK, OUTLIER, RETRY)) {
      ConfigValue value = fileRouter.get(block);
      if (!(value instanceof ConfigObject nested)) {
        continue;
      }
      Set<String> known = defaults.getObject(block).keySet();
      for (String key : nested.keySet()) {
        if (!known.contains(key)) {
          problems.add(nested.get(key).origin(), nested.origin(), Problems.path(SnapshotReader.ROUTER, block, key),
              "unknown key (expected one of: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
        }
      }
    }
  }

  private boolean bool(String path) {
    try {
      return router.getBoolean(path);
    } catch (com.typesafe.config.ConfigException e) {
      fail(path, "(expected: true or false)");
      return false;
    }
  }

  private Duration duration(String path, String expected) {
    try {
      return router.getDuration(path);
    } catch (com.typesafe.config.ConfigException e) {
      fail(path, expected);
      return null;
    }
  }

  private Duration positive(String path) {
    Duration d = duration(path, "(expected: a duration > 0 such as 500ms, 1s or 5m)");
    if (d == null) {
      return Duration.ofSeconds(1);
    }
    if (d.isZero() || d.isNegative()) {
      fail(path, "(expected: a duration > 0 such as 500ms, 1s or 5m)");
    }
    return d;
  }

  private Duration notNegative(String path) {
    Duration d = duration(path, "(expected: a duration >= 0 such as 0, 500ms or 30s)");
    if (d == null) {
      return Duration.ZERO;
    }
    if (d.isNegative()) {
      fail(path, "(expected: a duration >= 0 such as 0, 500ms or 30s)");
    }
    return d;
  }

  /** 0 (off) or at least {@link #MIN_DNS_REFRESH}: more often only loads the DNS server. */
  private Duration dnsRefresh(String path) {
    String expected = "(expected: 0 for off, or a duration of at least " + MIN_DNS_REFRESH.toSeconds()
        + "s such as 5s)";
    Duration d = duration(path, expected);
    if (d == null) {
      return Duration.ZERO;
    }
    if (d.isNegative() || (!d.isZero() && d.compareTo(MIN_DNS_REFRESH) < 0)) {
      fail(path, expected);
    }
    return d;
  }

  private int atLeast(String path, int min, int max) {
    long n;
    try {
      n = router.getLong(path);
    } catch (com.typesafe.config.ConfigException e) {
      n = Long.MIN_VALUE;
    }
    if (n < min || n > max) {
      fail(path, "(expected: an integer from " + min + " to " + max + ")");
      return min;
    }
    return (int) n;
  }

  private int bytes(String path) {
    long n = rawBytes(path);
    if (n < 0 || n > Integer.MAX_VALUE) {
      fail(path, "(expected: a size from 0 to 2147483647 bytes, such as 1 MiB)");
      return 0;
    }
    return (int) n;
  }

  /** The size at {@code path}, or -1 when it is not a size. */
  private long rawBytes(String path) {
    try {
      return router.getBytes(path);
    } catch (com.typesafe.config.ConfigException e) {
      return -1;
    }
  }

  private Set<Status.Code> codes(String path) {
    Set<Status.Code> codes = EnumSet.noneOf(Status.Code.class);
    for (String name : router.getStringList(path)) {
      try {
        Status.Code code = Status.Code.valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
        if (code == Status.Code.OK) {
          throw new IllegalArgumentException("OK is not a failure");
        }
        codes.add(code);
      } catch (IllegalArgumentException e) {
        List<String> names = new ArrayList<>();
        for (Status.Code c : Status.Code.values()) {
          if (c != Status.Code.OK) {
            names.add(c.name());
          }
        }
        fail(path, "\"" + name + "\" is not a failure status code (expected names among: " + String.join(", ", names) + ")");
      }
    }
    return codes;
  }

  private Set<String> methods(String path) {
    Set<String> methods = new LinkedHashSet<>();
    for (String method : router.getStringList(path)) {
      String trimmed = method.startsWith("/") ? method.substring(1) : method;
      if (!FULL_METHOD.matcher(trimmed).matches()) {
        fail(path, "\"" + method + "\" (expected: full method names such as "
            + "\"mlservice.v1.PredictionService/Predict\")");
      }
      methods.add(trimmed);
    }
    return methods;
  }

  private void fail(String path, String problem) {
    ok = false;
    ConfigOrigin origin = origin(path);
    problems.add(origin, object.origin(), Problems.path(SnapshotReader.ROUTER) + "." + path,
        render(path) + " " + problem);
  }

  private ConfigOrigin origin(String path) {
    try {
      return router.getValue(path).origin();
    } catch (com.typesafe.config.ConfigException e) {
      return null;
    }
  }

  private String render(String path) {
    try {
      return router.getValue(path).render(ConfigRenderOptions.concise());
    } catch (com.typesafe.config.ConfigException e) {
      return "";
    }
  }
}
