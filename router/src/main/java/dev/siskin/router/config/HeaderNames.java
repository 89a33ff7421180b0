package dev.siskin.router.config;

import java.util.Set;

/**
 * Which request header names may carry a routing rule ({@code routing.force-header}, {@code routing.sticky-header}).
 * A name must be usable as gRPC application metadata: gRPC's Header-Name ({@code 0-9 a-z _ - .}, the lower-case
 * subset of HTTP/2's field names that grpc-java's {@code Metadata.Key} accepts), not a pseudo-header, not one of
 * the headers that HTTP/2 or the gRPC transport own, and not a binary ({@code -bin}) header, whose value is bytes
 * rather than text.
 */
final class HeaderNames {
  /** Longer names are surely a mistake; they would also cost every call a longer comparison. */
  static final int MAX_LENGTH = 128;

  /** Headers that HTTP/2 forbids in a request or that the gRPC transport writes itself on every hop. */
  private static final Set<String> RESERVED = Set.of("te", "content-type", "content-length", "content-encoding",
      "accept-encoding", "user-agent", "host", "connection", "keep-alive", "proxy-connection",
      "transfer-encoding", "upgrade");

  private HeaderNames() {}

  /** Null when {@code name} is fine ({@code ""} turns the rule off), else what was expected. */
  static String check(String name) {
    if (name.isEmpty()) {
      return null;
    }
    String expected = "a lower-case header name such as \"x-user-id\", or \"\" for off";
    if (name.length() > MAX_LENGTH) {
      return expected + "; at most " + MAX_LENGTH + " characters";
    }
    if (name.startsWith(":")) {
      return expected + "; " + name + " is an HTTP/2 pseudo-header, which the transport owns";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        return expected + "; header names are lower case in HTTP/2 and gRPC: write \""
            + name.toLowerCase(java.util.Locale.ROOT) + "\"";
      }
      if (!isTokenChar(c)) {
        return expected + "; gRPC header names have only a-z, 0-9, '-', '_' and '.'";
      }
    }
    if (name.startsWith("grpc-")) {
      return expected + "; names starting with grpc- are reserved for gRPC itself";
    }
    if (RESERVED.contains(name)) {
      return expected + "; " + name + " is written by HTTP/2 or the gRPC transport on every call";
    }
    if (name.endsWith("-bin")) {
      return expected + "; a -bin header carries bytes, not a text value";
    }
    return null;
  }

  /** gRPC's Header-Name characters (PROTOCOL-HTTP2.md), which grpc-java enforces. */
  private static boolean isTokenChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  }
}
