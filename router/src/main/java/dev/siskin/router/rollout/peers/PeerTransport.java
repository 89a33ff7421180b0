package dev.siskin.router.rollout.peers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;

/** How one router asks another's admin endpoint: a GET with headers, bounded in time. Tests fake it. */
public interface PeerTransport {
  /** A status and a body. */
  record Answer(int status, String body) {}

  /**
   * @throws IOException when no answer came in time, or the connection failed
   */
  Answer get(InetSocketAddress address, String path, Map<String, String> headers, Duration timeout)
      throws IOException;

  /** The JDK's HTTP client (HTTP/1.1, as the admin endpoint speaks), built on the first request. Thread-safe. */
  static PeerTransport http() {
    return http(Map::of);
  }

  /** As above, every request with {@code headers} too, read per request. */
  static PeerTransport http(java.util.function.Supplier<Map<String, String>> headers) {
    return new JdkHttpTransport(headers, null);
  }

  /** Over HTTPS with {@code tls} (the peers' admin endpoints serve {@code router.admin-tls}). */
  static PeerTransport https(java.util.function.Supplier<Map<String, String>> headers, javax.net.ssl.SSLContext tls) {
    return new JdkHttpTransport(headers, java.util.Objects.requireNonNull(tls, "tls"));
  }
}
