package dev.siskin.router.cluster;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * The host and port a {@code dns:} target names: {@code dns:///host:port} or {@code dns://authority/host:port}
 * (the DNS server in the authority is ignored, as grpc-java does: the JVM's resolver is used), IPv6 literals in
 * brackets ({@code dns:///[::1]:50051}), the port defaulting to the channel's (443 for TLS, 80 plaintext).
 * Immutable.
 *
 * @param host      the name to look up, without brackets
 * @param port      the port every resolved address gets
 * @param authority {@code host:port} as written in the target, the channel's {@code :authority}
 */
record DnsTarget(String host, int port, String authority) {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  DnsTarget {
    requireNonNull(host, "host");
    requireNonNull(authority, "authority");
  }

  /** Parses {@code target}, or throws IllegalArgumentException saying what is wrong with it. */
  static DnsTarget parse(URI target, int defaultPort) {
    String path = target.getPath();
    if (path == null || !path.startsWith("/") || path.length() == 1) {
      throw new IllegalArgumentException("dns target " + target + ": expected dns:///host:port (the name after"
          + " the third slash)");
    }
    String name = path.substring(1);
    URI nameUri;
    try {
      nameUri = URI.create("//" + name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("dns target " + target + ": \"" + name + "\" is not host:port", e);
    }
    String host = nameUri.getHost();
    if (host == null || nameUri.getAuthority() == null || !nameUri.getAuthority().equals(name)) {
      throw new IllegalArgumentException("dns target " + target + ": \"" + name + "\" is not host:port");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = nameUri.getPort() == -1 ? defaultPort : nameUri.getPort();
    return new DnsTarget(host, port, name);
  }

  /** An IP address written out: looking it up again can never give another answer. */
  boolean literal() {
    return host.indexOf(':') >= 0 || IPV4.matcher(host).matches();
  }
}
