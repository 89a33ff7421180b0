package dev.siskin.router.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

/**
 * Reads the {@code routing} block (the file's keys over reference.conf's) into {@link RoutingSettings}, adding
 * every bad key and value to {@link Problems}. Not thread-safe: one instance per parse.
 */
final class RoutingSettingsReader {
  static final String ROUTING = "routing";
  static final String FORCE_HEADER = "force-header";
  static final String STICKY_HEADER = "sticky-header";
  static final String STICKY_SALT = "sticky-salt";

  private final Problems problems;
  private boolean ok = true;

  RoutingSettingsReader(Problems problems) {
    this.problems = problems;
  }

  /**
   * @param value    the resolved {@code routing} value (the file's over the defaults)
   * @param defaults reference.conf's {@code routing} object, whose keys are the known ones
   * @return the settings, or null when something was wrong (the problems say what)
   */
  RoutingSettings read(ConfigValue value, ConfigObject defaults) {
    if (value.valueType() != ConfigValueType.OBJECT) {
      problems.add(value.origin(), null, ROUTING, render(value)
          + " (expected: an object routing { force-header = \"x-canary-backend\", sticky-header = \"x-user-id\" })");
      return null;
    }
    ConfigObject routing = (ConfigObject) value;
    for (String key : routing.keySet()) {
      if (!defaults.containsKey(key)) {
        problems.addUnknownKey(routing.get(key).origin(), Problems.path(ROUTING, key), key, defaults.keySet());
        ok = false;
      }
    }
    String force = headerName(routing, FORCE_HEADER);
    String sticky = headerName(routing, STICKY_HEADER);
    String salt = text(routing, STICKY_SALT, "any text, e.g. \"rollout-2025-06\"; \"\" is a salt too");
    if (ok && !force.isEmpty() && force.equals(sticky)) {
      ConfigValue stickyValue = routing.get(STICKY_HEADER);
      problems.add(stickyValue.origin(), routing.origin(), Problems.path(ROUTING, STICKY_HEADER), render(stickyValue)
          + " is routing.force-header too (expected: two different headers, or \"\" to turn one of them off)");
      ok = false;
    }
    return ok ? new RoutingSettings(force, sticky, salt) : null;
  }

  private String headerName(ConfigObject routing, String key) {
    String name = text(routing, key, "a quoted header name such as \"x-user-id\", or \"\" for off");
    if (name == null) {
      return "";
    }
    String problem = HeaderNames.check(name);
    if (problem != null) {
      fail(routing, key, "(expected: " + problem + ")");
      return "";
    }
    return name;
  }

  /** The string at {@code key}, or null (and a problem) when it is not a string. */
  private String text(ConfigObject routing, String key, String expected) {
    ConfigValue value = routing.get(key);
    if (value.valueType() != ConfigValueType.STRING) {
      fail(routing, key, "(expected: " + expected + ")");
      return null;
    }
    return (String) value.unwrapped();
  }

  private void fail(ConfigObject routing, String key, String problem) {
    ok = false;
    ConfigValue value = routing.get(key);
    problems.add(value.origin(), routing.origin(), Problems.path(ROUTING, key), render(value) + " " + problem);
  }

  private static String render(ConfigValue value) {
    return value.render(ConfigRenderOptions.concise());
  }
}
