package dev.siskin.router.admin.http;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed request line and headers -- all the server ever reads of a request: a body is never read.
 *
 * @param method  as sent, e.g. {@code GET}
 * @param path    the decoded path of the target, e.g. {@code /metrics}
 * @param version {@code HTTP/1.1} or {@code HTTP/1.0}
 * @param headers by lower-case name, values in the order they came
 * @param hasBody whether the client announced a body (a Content-Length above 0, or a Transfer-Encoding)
 * @param clientCertified whether it came over TLS with a client certificate that the handshake verified
 */
public record RequestHead(String method, String path, String version, Map<String, List<String>> headers,
    boolean hasBody, boolean clientCertified) {

  public RequestHead {
    headers = Map.copyOf(headers);
  }

  public RequestHead(String method, String path, String version, Map<String, List<String>> headers,
      boolean hasBody) {
    this(method, path, version, headers, hasBody, false);
  }

  /** This request, known to have come with a verified client certificate. */
  RequestHead withClientCertificate() {
    return new RequestHead(method, path, version, headers, hasBody, true);
  }

  /** The first value of a header; {@code name} in lower case. */
  public Optional<String> header(String name) {
    List<String> values = headers.get(name);
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  public boolean isHead() {
    return method.equals("HEAD");
  }

  /** HTTP/1.0 knows no chunked encoding: a streamed body ends with the connection instead. */
  boolean isHttp10() {
    return version.equals("HTTP/1.0");
  }
}
