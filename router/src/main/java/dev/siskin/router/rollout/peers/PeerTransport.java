package dev.siskin.router.rollout.peers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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

  /** The JDK's HTTP client (HTTP/1.1, as the admin endpoint speaks). Thread-safe. */
  static PeerTransport http() {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(1)).followRedirects(HttpClient.Redirect.NEVER).build();
    return (address, path, headers, timeout) -> {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + PeerAddresses.format(address) + path))
          .timeout(timeout).GET();
      headers.forEach(request::header);
      try {
        HttpResponse<String> response = client.send(request.build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Answer(response.statusCode(), response.body());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    };
  }
}
