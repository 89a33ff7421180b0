package dev.siskin.router.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads and checks the {@code shadow { }} block over its defaults in reference.conf, adding every problem to
 * {@link Problems} with file and line. The shadow backend must be one of the configured backends. Not
 * thread-safe: one instance per parse.
 */
final class ShadowSettingsReader {
  static final String SHADOW = "shadow";

  private final Config shadow;
  private final ConfigObject object;
  private final Problems problems;
  private boolean ok = true;

  /**
   * @param resolved the whole resolved config (the file over reference.conf)
   */
  ShadowSettingsReader(Config resolved, Problems problems) {
    this.problems = problems;
    ConfigValue value = resolved.root().get(SHADOW);
    if (value == null || value.valueType() != ConfigValueType.OBJECT) {
      if (value != null) {
        problems.add(value.origin(), null, SHADOW,
            render(value) + " (expected: an object shadow { backend = v2, percent = 100, methods = [...] })");
      }
      this.object = null;
      this.shadow = null;
      return;
    }
    this.object = (ConfigObject) value;
    this.shadow = object.toConfig();
  }

  /**
   * @param backendNames the configured backends (null when they did not validate: the backend is then not checked)
   * @param known        the keys reference.conf defines for the block
   * @return the settings, or null when a problem was added
   */
  ShadowSettings read(Set<String> backendNames, Set<String> known) {
    if (object == null) {
      return null;
    }
    for (String key : object.keySet()) {
      if (!known.contains(key)) {
        ok = false;
        problems.add(object.get(key).origin(), object.origin(), Problems.path(SHADOW, key),
            "unknown key (expected one of: " + String.join(", ", new TreeSet<>(known)) + ")");
      }
    }
    String backend = backend(backendNames);
    double percent = percent();
    Set<String> methods = methods();
    int maxInFlight = maxInFlight();
    ShadowSettings.Send send = send();
    return ok ? new ShadowSettings(backend, percent, methods, maxInFlight, send) : null;
  }

  private ShadowSettings.Send send() {
    ConfigValue value = object.get("send");
    ShadowSettings.Send send = value != null && value.valueType() == ConfigValueType.STRING
        ? ShadowSettings.Send.byConfigName((String) value.unwrapped()) : null;
    if (send == null) {
      fail("send", "(expected: \"after-primary\" or \"with-primary\")");
      return ShadowSettings.Send.AFTER_PRIMARY;
    }
    return send;
  }

  private String backend(Set<String> backendNames) {
    ConfigValue value = object.get("backend");
    if (value.valueType() != ConfigValueType.STRING) {
      fail("backend", "(expected: the name of a backend, e.g. v2, or \"\" for no shadow)");
      return "";
    }
    String name = (String) value.unwrapped();
    if (!name.isEmpty() && backendNames != null && !backendNames.contains(name)) {
      fail("backend", "is not a backend (expected one of: " + String.join(", ", new TreeSet<>(backendNames))
          + ", or \"\" for no shadow)");
    }
    return name;
  }

  private double percent() {
    double percent;
    try {
      percent = shadow.getDouble("percent");
    } catch (com.typesafe.config.ConfigException e) {
      percent = Double.NaN;
    }
    if (!(percent >= 0 && percent <= 100)) {
      fail("percent", "(expected: a number from 0 to 100)");
      return 0;
    }
    return percent;
  }

  private Set<String> methods() {
    List<String> list;
    try {
      list = shadow.getStringList("methods");
    } catch (com.typesafe.config.ConfigException e) {
      fail("methods", "(expected: a list of full method names such as [\"mlservice.v1.PredictionService/Predict\"])");
      return Set.of();
    }
    Set<String> methods = new LinkedHashSet<>();
    for (String method : list) {
      String trimmed = method.startsWith("/") ? method.substring(1) : method;
      if (!FailureSettingsReader.FULL_METHOD.matcher(trimmed).matches()) {
        fail("methods", "has \"" + method + "\" (expected: full method names such as "
            + "\"mlservice.v1.PredictionService/Predict\")");
      }
      methods.add(trimmed);
    }
    return methods;
  }

  private int maxInFlight() {
    long n;
    try {
      n = shadow.getLong("max-in-flight");
    } catch (com.typesafe.config.ConfigException e) {
      n = -1;
    }
    if (n < 1 || n > 1_000_000) {
      fail("max-in-flight", "(expected: an integer from 1 to 1000000)");
      return 1;
    }
    return (int) n;
  }

  private void fail(String key, String problem) {
    ok = false;
    ConfigValue value = object.get(key);
    problems.add(value == null ? null : value.origin(), object.origin(), Problems.path(SHADOW, key),
        (value == null ? "" : value.render(ConfigRenderOptions.concise()) + " ") + problem);
  }

  private static String render(ConfigValue value) {
    return value.render(ConfigRenderOptions.concise());
  }
}
