package dev.siskin.router.admin.http;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the server sends back: a status, a content type, headers of the handler's own, and a body that is either
 * whole in memory ({@link Fixed}) or written as it is produced ({@link Streamed}). Framing headers
 * ({@code Content-Length}, {@code Transfer-Encoding}, {@code Connection}) are the server's to add.
 */
public sealed interface Response permits Response.Fixed, Response.Streamed {
  int status();

  String contentType();

  Map<String, String> headers();

  /** A body written to the connection as it is produced, so that the server never holds all of it. */
  @FunctionalInterface
  interface BodyWriter {
    /** Writes the whole body; {@code out} must not be closed. */
    void writeTo(OutputStream out) throws IOException;
  }

  /** A body known in full: sent with its Content-Length. */
  record Fixed(int status, String contentType, byte[] body, Map<String, String> headers) implements Response {
    public Fixed {
      requireNonNull(body, "body");
      headers = checked(contentType, headers);
    }

    /** The same response with one more header. */
    public Fixed withHeader(String name, String value) {
      Map<String, String> more = new LinkedHashMap<>(headers);
      more.put(name, value);
      return new Fixed(status, contentType, body, more);
    }
  }

  /** A body of unknown length: chunked for HTTP/1.1, ended by the close for HTTP/1.0. */
  record Streamed(int status, String contentType, BodyWriter body, Map<String, String> headers) implements Response {
    public Streamed {
      requireNonNull(body, "body");
      headers = checked(contentType, headers);
    }
  }

  static Fixed fixed(int status, String contentType, byte[] body) {
    return new Fixed(status, contentType, body, Map.of());
  }

  static Fixed text(int status, String text) {
    return fixed(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
  }

  static Streamed streamed(int status, String contentType, BodyWriter body) {
    return new Streamed(status, contentType, body, Map.of());
  }

  /** A line break in a header would end it early and let what follows pass for more headers or a body. */
  private static Map<String, String> checked(String contentType, Map<String, String> headers) {
    requireNonNull(contentType, "contentType");
    Map<String, String> all = new LinkedHashMap<>(headers);
    all.put("Content-Type", contentType);
    all.forEach((name, value) -> {
      if (name.isEmpty() || (name + value).chars().anyMatch(c -> c == '\r' || c == '\n')) {
        throw new IllegalArgumentException("header " + name + ": empty name or a line break");
      }
    });
    return Collections.unmodifiableMap(new LinkedHashMap<>(headers));
  }
}
