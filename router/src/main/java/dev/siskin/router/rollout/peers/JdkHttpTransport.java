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
import javax.net.ssl.SSLContext;

/**
 * {@link PeerTransport} over the JDK's HTTP client (HTTP/1.1, as the admin endpoint speaks), plain or HTTPS. The client is built on
 * the first request, not with the transport: building one sets up the JDK's TLS stack (about 1,000 classes and a
 * quarter of a second of CPU at start), which a router without rollout peers -- most of them -- never uses.
 *
 * <p>Thread-safe: the client is built once under this object's lock and is itself thread-safe.
 */
final class JdkHttpTransport implements PeerTransport {
  private final java.util.function.Supplier<Map<String, String>> always;
  /** Null: plain HTTP. */
  private final SSLContext tls;
  private HttpClient client;

  JdkHttpTransport(java.util.function.Supplier<Map<String, String>> always, SSLContext tls) {
    this.always = always;
    this.tls = tls;
  }

  @Override
  public Answer get(InetSocketAddress address, String path, Map<String, String> headers, Duration timeout)
      throws IOException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create((tls == null ? "http://" : "https://")
        + PeerAddresses.format(address) + path))
        .timeout(timeout).GET();
    headers.forEach(request::header);
    always.get().forEach(request::header);
    try {
      HttpResponse<String> response = client().send(request.build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Answer(response.statusCode(), response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private synchronized HttpClient client() {
    if (client == null) {
      HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(1)).followRedirects(HttpClient.Redirect.NEVER);
      if (tls != null) {
        builder.sslContext(tls);
      }
      client = builder.build();
    }
    return client;
  }
}
