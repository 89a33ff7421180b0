package dev.siskin.router.config;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * Syntax rules for the addresses in canary.conf. Each check returns null when the value is fine, else
 * the "expected" part of the error message. Only syntax: whether a host resolves is the channel's business
 * at run time (a DNS name that does not resolve yet must not stop a config, e.g. in compose).
 */
final class Addresses {
  private Addresses() {}

  /**
   * A DNS host name or IPv4 address (RFC 1123): dot-separated labels of letters, digits and '-', a label
   * neither starting nor ending with '-'. No '_': gRPC's DNS resolver refuses it ("Invalid DNS name"), which
   * would surface only when the router opens the channel, not where the file is checked.
   */
  private static final Pattern HOST_NAME =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");
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
   * A backend target: {@code host:port} or a gRPC {@code dns:///host:port} URI, checked the way gRPC will
   * parse it, so that every target that passes here also opens a channel. Other schemes are rejected: the
   * router's channels only resolve these, and a typo such as {@code http://} must not pass silently.
   */
  static String checkTarget(String value) {
    if (value.isEmpty() || value.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
      return TARGET_EXPECTED + ", without spaces";
    }
    int schemeEnd = value.indexOf(':');
    boolean uri = value.contains("://") || value.startsWith("dns:");
    if (!uri) {
      return checkBackendHostPort(value);
    }
    String scheme = value.substring(0, schemeEnd);
    if (!scheme.equals("dns")) {
      return TARGET_EXPECTED + "; the scheme \"" + scheme + ":\" is not supported";
    }
    String rest = value.substring(schemeEnd + 1);
    if (rest.startsWith("///")) {
      return checkBackendHostPort(rest.substring(3));
    }
    if (rest.startsWith("//")) {
      // grpc-java's DNS resolver ignores the authority: the name would be looked up with the system's resolver,
      // not the one written here. Better refused than silently not honoured.
      return TARGET_EXPECTED + "; a DNS server in the target (dns://server/...) is not supported: names are "
          + "resolved by the system's resolver, so write dns:///host:port";
    }
    return TARGET_EXPECTED;
  }

  /** {@code host:port} of a backend, checked as gRPC's DNS resolver will parse it; null when fine. */
  private static String checkBackendHostPort(String value) {
    if (!checkHostPort(value, 1)) {
      String host = value.lastIndexOf(':') > 0 ? value.substring(0, value.lastIndexOf(':')) : "";
      if (!host.isEmpty() && !host.startsWith("[") && !HOST_NAME.matcher(host).matches()) {
        return TARGET_EXPECTED + "; \"" + host + "\" is not a valid host name (letters, digits and '-' in "
            + "dot-separated labels, no label starting or ending with '-', no '_')";
      }
      return TARGET_EXPECTED;
    }
    if (!parsesAsGrpcDoes(value)) {
      return TARGET_EXPECTED + "; gRPC cannot parse \"" + value + "\" as host:port";
    }
    return null;
  }

  /**
   * The check of grpc-java's DNS resolver itself, which reads the name as the authority of a URI and wants a
   * host in it: what passes here also opens a channel.
   */
  private static boolean parsesAsGrpcDoes(String hostPort) {
    try {
      return URI.create("//" + hostPort).getHost() != null;
    } catch (IllegalArgumentException e) {
      return false;
    }
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
