package dev.siskin.router.config;

import java.util.regex.Pattern;

/**
 * Syntax rules for the addresses in canary.conf. Each check returns null when the value is fine, else
 * the "expected" part of the error message. Only syntax: whether a host resolves is the channel's business
 * at run time (a DNS name that does not resolve yet must not stop a config, e.g. in compose).
 */
final class Addresses {
  private Addresses() {}

  /** A DNS name or IPv4 address: labels of letters, digits, '-' and '_', separated by dots. */
  private static final Pattern HOST_NAME =
      Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\\.?");
  /** An IPv6 literal inside brackets; the brackets make host and port unambiguous. */
  private static final Pattern IPV6_LITERAL = Pattern.compile("\\[[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?]");
  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

  static final String TARGET_EXPECTED =
      "host:port or dns:///host:port, e.g. \"127.0.0.1:50052\" or \"dns:///model-v2:50051\", port 1-65535";

  /**
   * A bind address ({@code router.listen}, {@code router.admin}): {@code host:port}. Port 0 asks the system
   * for a free port, which tests use.
   */
  static String checkBindAddress(String value) {
    return checkHostPort(value, 0)
        ? null
        : "host:port with a port 0-65535, e.g. \"0.0.0.0:50051\" or \"127.0.0.1:9901\"";
  }

  /**
   * A backend target: {@code host:port} or a gRPC {@code dns:} URI, {@code dns:///host:port} or
   * {@code dns://resolver:port/host:port}. Other schemes are rejected: the router's channels only resolve
   * these two forms, and a typo such as {@code http://} must not pass silently.
   */
  static String checkTarget(String value) {
    if (value.isEmpty() || value.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
      return TARGET_EXPECTED + ", without spaces";
    }
    int schemeEnd = value.indexOf(':');
    boolean uri = value.contains("://") || value.startsWith("dns:");
    if (!uri) {
      return checkHostPort(value, 1) ? null : TARGET_EXPECTED;
    }
    String scheme = value.substring(0, schemeEnd);
    if (!scheme.equals("dns")) {
      return TARGET_EXPECTED + "; the scheme \"" + scheme + ":\" is not supported";
    }
    String rest = value.substring(schemeEnd + 1);
    if (rest.startsWith("///")) {
      return checkHostPort(rest.substring(3), 1) ? null : TARGET_EXPECTED;
    }
    if (rest.startsWith("//")) { // dns://resolver-host:port/host:port
      int slash = rest.indexOf('/', 2);
      if (slash > 2 && checkHostPort(rest.substring(2, slash), 1) && checkHostPort(rest.substring(slash + 1), 1)) {
        return null;
      }
    }
    return TARGET_EXPECTED;
  }

  private static boolean checkHostPort(String value, int minPort) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0) {
      return false;
    }
    String host = value.substring(0, colon);
    String port = value.substring(colon + 1);
    if (!(HOST_NAME.matcher(host).matches() || IPV6_LITERAL.matcher(host).matches())) {
      return false;
    }
    if (!PORT.matcher(port).matches()) {
      return false;
    }
    int p = Integer.parseInt(port);
    return p >= minPort && p <= 65535;
  }
}
