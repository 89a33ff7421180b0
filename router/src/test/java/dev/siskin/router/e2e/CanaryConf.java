package dev.siskin.router.e2e;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The text of a canary.conf for the tests: listen and admin on loopback ports, backends v1 and v2 (in the
 * one-line form of config/canary.conf, which scripts/stage.sh rewrites). Immutable.
 */
record CanaryConf(int listenPort, String adminAddress, String v1Target, int v1Weight, String v2Target,
    int v2Weight, Map<String, String> extraRouterKeys) {

  static CanaryConf of(int listenPort, int adminPort, ModelServerJar v1, ModelServerJar v2, int v1Weight,
      int v2Weight) {
    return new CanaryConf(listenPort, "127.0.0.1:" + adminPort, v1.target(), v1Weight, v2.target(), v2Weight,
        Map.of());
  }

  CanaryConf withWeights(int v1, int v2) {
    return new CanaryConf(listenPort, adminAddress, v1Target, v1, v2Target, v2, extraRouterKeys);
  }

  /** Adds a key of the router block, e.g. {@code access-log = true}; the value is written as given. */
  CanaryConf withRouterKey(String key, String value) {
    Map<String, String> keys = new LinkedHashMap<>(extraRouterKeys);
    keys.put(key, value);
    return new CanaryConf(listenPort, adminAddress, v1Target, v1Weight, v2Target, v2Weight, keys);
  }

  String render() {
    StringBuilder text = new StringBuilder("# written by the end-to-end tests\nrouter {\n")
        .append("  listen = \"127.0.0.1:").append(listenPort).append("\"\n")
        .append("  admin  = \"").append(adminAddress).append("\"\n");
    extraRouterKeys.forEach((key, value) -> text.append("  ").append(key).append(" = ").append(value).append('\n'));
    return text.append("}\nbackends {\n")
        .append("  v1 { target = \"").append(v1Target).append("\", weight = ").append(v1Weight).append(" }\n")
        .append("  v2 { target = \"").append(v2Target).append("\", weight = ").append(v2Weight).append(" }\n")
        .append("}\n")
        .toString();
  }
}
