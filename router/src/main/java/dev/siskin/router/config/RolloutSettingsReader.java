package dev.siskin.router.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.siskin.router.config.RolloutSettings.Step;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads and checks the {@code rollout { }} block over its defaults in reference.conf, adding every problem to
 * {@link Problems} with file and line. Baseline and canary must be two different configured backends, and while
 * the rollout is enabled no other backend may have a weight (the rollout sets the two weights; a third backend
 * serving too would make the canary's share something else than its step says). Not thread-safe: one instance
 * per parse.
 */
final class RolloutSettingsReader {
  static final String ROLLOUT = "rollout";
  private static final String STEPS_EXPECTED = "a list such as [shadow, 10, 50, 90, 100]: shadow only first, then "
      + "percents from 1 to 100, increasing, the last 100";

  private final ConfigObject object;
  private final Config rollout;
  private final Config defaults;
  private final Problems problems;
  private boolean ok = true;

  /**
   * @param value    the resolved {@code rollout} value (the file's over reference.conf's)
   * @param defaults reference.conf's {@code rollout} block: its keys, nested ones included, are the known ones
   */
  RolloutSettingsReader(ConfigValue value, Config defaults, Problems problems) {
    this.problems = problems;
    this.defaults = defaults;
    if (value == null || value.valueType() != ConfigValueType.OBJECT) {
      if (value != null) {
        problems.add(value.origin(), null, ROLLOUT, render(value)
            + " (expected: an object rollout { enabled = true, baseline = v1, canary = v2, steps = [...] })");
      }
      this.object = null;
      this.rollout = null;
      return;
    }
    this.object = (ConfigObject) value;
    this.rollout = object.toConfig();
  }

  /**
   * @param backends the configured backends (null when they did not validate: names and weights are then not
   *                 checked)
   * @param written  whether the file has a rollout block: reference.conf's v1 and v2 need not exist otherwise
   * @return the settings, or null when a problem was added
   */
  RolloutSettings read(List<BackendSpec> backends, boolean written) {
    if (object == null) {
      return null;
    }
    checkKeys(object, defaults.root(), ROLLOUT);
    boolean enabled = bool("enabled");
    String runId = text("run-id", "any text, e.g. \"2026-06-01T10:00:00Z\"");
    boolean paused = bool("paused");
    List<BackendSpec> known = written ? backends : null;
    String baseline = backend("baseline", known);
    String canary = backend("canary", known);
    if (ok && baseline.equals(canary)) {
      fail("canary", "is the baseline too (expected: two different backends)");
    }
    if (ok && enabled && backends != null) {
      for (BackendSpec spec : backends) {
        if (spec.weight() > 0 && !spec.name().equals(baseline) && !spec.name().equals(canary)) {
          fail("enabled", "is true while backend " + spec.name() + " has weight " + spec.weight()
              + " (expected: during a rollout only " + baseline + " and " + canary + " serve; set "
              + Problems.path("backends", spec.name(), "weight") + " = 0)");
        }
      }
    }
    List<Step> steps = steps();
    Duration stepTime = duration("step-time", false);
    long minCalls = integer("min-calls", 1, 100_000_000);
    String stateFile = text("state-file", "a file path, or \"\" for beside the config file");
    Duration streamGrace = duration("stream-grace", true);
    double alpha = number("alpha", 1e-9, 0.5, "a probability such as 0.01 (0 < alpha <= 0.5)");
    Set<Status.Code> codes = codes("errors.codes");
    double errorMargin = number("errors.margin", 1.0, 100, "a ratio >= 1 such as 1.0 or 1.5");
    double maxFailurePercent = number("errors.max-percent", 1e-6, 100, "a percent such as 5 (0 < percent <= 100)");
    double quantile = number("latency.quantile", 0.5, 0.999, "a quantile from 0.5 to 0.999, such as 0.95");
    long baselineCalls = integer("latency.baseline-calls", 20, 1_000_000);
    Duration slack = duration("latency.slack", true);
    double latencyMargin = number("latency.margin", 1.0, 100, "a ratio >= 1 such as 1.5");
    long warmupCalls = integer("latency.canary-warmup-calls", 0, 1_000_000);
    Duration maxP99 = duration("latency.max-p99", true);
    double maxDisagreement = number("predictions.max-disagreement-percent", 1e-6, 100,
        "a percent such as 5 (0 < percent <= 100)");
    double shadowPercent = number("predictions.shadow-percent", 1e-6, 100, "a percent from 0 (excluded) to 100");
    List<String> routers = routers();
    Duration peerPoll = duration("peer-poll", false);
    if (!ok) {
      return null;
    }
    return new RolloutSettings(enabled, runId, paused, baseline, canary, steps, stepTime, minCalls, stateFile,
        streamGrace, alpha, codes, errorMargin, maxFailurePercent, quantile, (int) baselineCalls, slack,
        latencyMargin, (int) warmupCalls, maxP99, maxDisagreement, shadowPercent, routers, peerPoll);
  }

  /** {@code routers}: "host:port" admin endpoints, or exactly one "dns:///name:port". */
  private List<String> routers() {
    String expected = "a list of the routers' admin endpoints such as [\"10.0.0.5:9901\", \"10.0.0.6:9901\"], "
        + "or one name such as [\"dns:///siskin-router-admin.siskin.svc.cluster.local:9901\"]";
    List<String> given;
    try {
      given = rollout.getStringList("routers");
    } catch (com.typesafe.config.ConfigException e) {
      fail("routers", "(expected: " + expected + ")");
      return List.of();
    }
    for (String entry : given) {
      String problem = Addresses.checkTarget(entry);
      if (problem != null) {
        fail("routers", "has \"" + entry + "\" (expected: " + problem.replace("host:port", "admin host:port")
            + ")");
        return List.of();
      }
    }
    if (given.size() > 1 && given.stream().anyMatch(entry -> entry.startsWith("dns:"))) {
      fail("routers", "mixes a dns:/// name with other entries (expected: " + expected + ")");
      return List.of();
    }
    return List.copyOf(new java.util.LinkedHashSet<>(given));
  }

  /** Every key of {@code given} (and of its nested blocks) must be one of {@code known}'s. */
  private void checkKeys(ConfigObject given, ConfigObject known, String path) {
    for (String key : given.keySet()) {
      ConfigValue value = given.get(key);
      ConfigValue expected = known.get(key);
      if (expected == null) {
        ok = false;
        problems.addUnknownKey(value.origin(), path + "." + key, key, known.keySet());
      } else if (expected instanceof ConfigObject nestedKnown && value instanceof ConfigObject nested) {
        checkKeys(nested, nestedKnown, path + "." + key);
      }
    }
  }

  private List<Step> steps() {
    ConfigValue value = object.get("steps");
    if (value.valueType() != ConfigValueType.LIST) {
      fail("steps", "(expected: " + STEPS_EXPECTED + ")");
      return RolloutSettings.DEFAULT_STEPS;
    }
    List<Step> steps = new ArrayList<>();
    int previous = -1;
    for (ConfigValue item : (ConfigList) value) {
      Object raw = item.unwrapped();
      Step step = null;
      if (raw instanceof String s && s.equals("shadow") && steps.isEmpty()) {
        step = Step.SHADOW;
      } else if (raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
          && n.doubleValue() >= 1 && n.doubleValue() <= 100 && n.intValue() > previous) {
        step = Step.percent(n.intValue());
      }
      if (step == null) {
        fail("steps", "has " + render(item) + " (expected: " + STEPS_EXPECTED + ")");
        return RolloutSettings.DEFAULT_STEPS;
      }
      previous = step.canaryPercent();
      steps.add(step);
    }
    if (steps.isEmpty() || previous != 100) {
      fail("steps", "(expected: " + STEPS_EXPECTED + ")");
      return RolloutSettings.DEFAULT_STEPS;
    }
    return steps;
  }

  private Set<Status.Code> codes(String path) {
    List<String> names;
    try {
      names = rollout.getStringList(path);
    } catch (com.typesafe.config.ConfigException e) {
      fail(path, "(expected: a list of gRPC status codes such as [INTERNAL, UNAVAILABLE])");
      return Set.of();
    }
    Set<Status.Code> codes = EnumSet.noneOf(Status.Code.class);
    for (String name : names) {
      Status.Code code = Arrays.stream(Status.Code.values())
          .filter(c -> c.name().equals(name.toUpperCase(Locale.ROOT))).findFirst().orElse(null);
      if (code == null || code == Status.Code.OK) {
        fail(path, "has \"" + name + "\" (expected: gRPC status codes other than OK, such as INTERNAL)");
      } else {
        codes.add(code);
      }
    }
    if (codes.isEmpty() && ok) {
      fail(path, "is empty (expected: at least one code, such as [INTERNAL])");
    }
    return codes;
  }

  private String backend(String key, List<BackendSpec> backends) {
    String name = text(key, "the name of a backend, e.g. v1");
    if (name == null) {
      return "";
    }
    if (backends != null && backends.stream().noneMatch(b -> b.name().equals(name))) {
      fail(key, "is not a backend (expected one of: "
          + String.join(", ", backends.stream().map(BackendSpec::name).sorted().toList()) + ")");
    }
    return name;
  }

  private boolean bool(String path) {
    try {
      return rollout.getBoolean(path);
    } catch (com.typesafe.config.ConfigException e) {
      fail(path, "(expected: true or false)");
      return false;
    }
  }

  private String text(String path, String expected) {
    ConfigValue value = rollout.hasPath(path) ? rollout.getValue(path) : null;
    if (value == null || value.valueType() != ConfigValueType.STRING) {
      fail(path, "(expected: " + expected + ")");
      return "";
    }
    return (String) value.unwrapped();
  }

  private double number(String path, double min, double max, String expected) {
    double v;
    try {
      v = rollout.getDouble(path);
    } catch (com.typesafe.config.ConfigException e) {
      v = Double.NaN;
    }
    if (!(v >= min && v <= max)) {
      fail(path, "(expected: " + expected + ")");
      return min;
    }
    return v;
  }

  private long integer(String path, long min, long max) {
    long v;
    try {
      v = rollout.getLong(path);
    } catch (com.typesafe.config.ConfigException e) {
      v = Long.MIN_VALUE;
    }
    if (v < min || v > max) {
      fail(path, "(expected: an integer from " + min + " to " + max + ")");
      return min;
    }
    return v;
  }

  private Duration duration(String path, boolean zeroAllowed) {
    Duration d;
    try {
      d = rollout.getDuration(path);
    } catch (com.typesafe.config.ConfigException e) {
      d = null;
    }
    if (d == null || d.isNegative() || (!zeroAllowed && d.isZero())) {
      fail(path, zeroAllowed ? "(expected: a duration >= 0 such as 0, 500ms or 10s)"
          : "(expected: a duration > 0 such as 30s or 5m)");
      return Duration.ofSeconds(1);
    }
    return d;
  }

  private void fail(String path, String problem) {
    ok = false;
    ConfigValue value;
    try {
      value = rollout.hasPath(path) ? rollout.getValue(path) : null;
    } catch (com.typesafe.config.ConfigException e) {
      value = null; // a block written as a plain value, e.g. errors = 5: point at the block
    }
    problems.add(value == null ? null : value.origin(), object.origin(), ROLLOUT + "." + path,
        (value == null ? "" : render(value) + " ") + problem);
  }

  private static String render(ConfigValue value) {
    return value.render(ConfigRenderOptions.concise());
  }
}
