package dev.siskin.router.admin;

import java.net.InetSocketAddress;

/** Parses the {@code host:port} spelling of addresses in canary.conf ({@code [::1]:9901} for IPv6). */
final class HostPort {
  private HostPort() {}

  /**
   * @param key   the config key, for the error message
   * @param value e.g. {@code 127.0.0.1:9901}, {@code localhost:0}, {@code [::1]:9901}
   * @throws IllegalArgumentException naming the key, the value and the expected form
   */
  static InetSocketAddress parse(String key, String value) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw invalid(key, value);
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw invalid(key, value); // a bare IPv6 address is ambiguous without brackets
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw invalid(key, value);
    }
    if (host.isEmpty() || port < 0 || port > 65535) {
      throw invalid(key, value);
    }
    return new InetSocketAddress(host, port);
  }

  private static IllegalArgumentException invalid(String key, String value) {
    return new IllegalArgumentException(String.format(
        "%s: \"%s\" (expected: host:port with port 0-65535, e.g. 127.0.0.1:9901 or [::1]:9901)", key, value));
  }
}
