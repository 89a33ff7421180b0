package dev.siskin.router;

import java.net.InetSocketAddress;

/** Parses {@code router.listen}: {@code host:port}, {@code [ipv6]:port}; port 0 picks a free one. */
final class ListenAddress {
  private ListenAddress() {}

  static InetSocketAddress parse(String listen) {
    int colon = listen.lastIndexOf(':');
    if (colon <= 0 || colon == listen.length() - 1) {
      throw new IllegalArgumentException("router.listen: \"" + listen + "\" (expected: host:port)");
    }
    String host = listen.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(listen.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("router.listen: \"" + listen + "\" (expected: host:port, port 0-65535)");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("router.listen: \"" + listen + "\" (expected: host:port, port 0-65535)");
    }
    return new InetSocketAddress(host, port);
  }
}
