package dev.siskin.router.proxy;

import io.grpc.Metadata;
import java.util.List;

/**
 * Which metadata crosses the router. Application metadata (ASCII and {@code -bin}) passes unchanged both
 * ways; what is removed is what belongs to one HTTP/2 hop or to the gRPC transport, which re-creates it on
 * the next hop (content type, timeout, compression, user agent) -- forwarding those would send duplicates.
 */
final class ForwardedHeaders {
  /** The response header that names the backend which served the call. */
  static final Metadata.Key<String> CANARY_BACKEND =
      Metadata.Key.of("x-canary-backend", Metadata.ASCII_STRING_MARSHALLER);

  /**
   * Headers the next hop's transport writes itself. HTTP/1 hop-by-hop headers (connection, keep-alive,
   * upgrade...) are not listed: HTTP/2 forbids them and Netty rejects a stream that carries them, so they
   * never reach the router's metadata.
   */
  private static final List<Metadata.Key<String>> NOT_FORWARDED = keys(
      "te", "host", "content-type", "content-length", "user-agent",
      "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "content-encoding", "accept-encoding",
      "grpc-status", "grpc-message");

  private ForwardedHeaders() {}

  /** Strips {@code headers} in place of everything that must not reach the next hop. */
  static Metadata strip(Metadata headers) {
    for (Metadata.Key<String> key : NOT_FORWARDED) {
      headers.discardAll(key);
    }
    return headers;
  }

  /** Response headers for the client: the backend's, stripped, plus {@code x-canary-backend}. */
  static Metadata responseHeaders(Metadata backendHeaders, String backendName) {
    strip(backendHeaders);
    // A backend must not be able to claim to be another one.
    backendHeaders.discardAll(CANARY_BACKEND);
    backendHeaders.put(CANARY_BACKEND, backendName);
    return backendHeaders;
  }

  private static List<Metadata.Key<String>> keys(String... names) {
    return java.util.Arrays.stream(names)
        .map(name -> Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER))
        .toList();
  }
}
