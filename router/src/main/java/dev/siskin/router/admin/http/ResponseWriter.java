package dev.siskin.router.admin.http;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * Puts a {@link Response} on the wire with the framing its body needs: {@code Content-Length} for a fixed body;
 * chunks for a streamed one (HTTP/1.1), or the end of the connection (HTTP/1.0). Every response closes its
 * connection ({@code Connection: close}): one request per connection keeps the server free of idle connections to
 * watch, at the cost of a TCP handshake per scrape or probe. Everything is live state: {@code Cache-Control:
 * no-store}. Stateless.
 */
final class ResponseWriter {
  /** Memory a streamed body takes while it is written: one chunk. */
  static final int CHUNK_SIZE = 16 * 1024;

  private static final Map<Integer, String> REASONS = Map.ofEntries(
      Map.entry(200, "OK"), Map.entry(400, "Bad Request"), Map.entry(404, "Not Found"),
      Map.entry(405, "Method Not Allowed"), Map.entry(408, "Request Timeout"), Map.entry(413, "Content Too Large"),
      Map.entry(414, "URI Too Long"), Map.entry(431, "Request Header Fields Too Large"),
      Map.entry(500, "Internal Server Error"), Map.entry(503, "Service Unavailable"),
      Map.entry(505, "HTTP Version Not Supported"));

  private ResponseWriter() {}

  /** A whole fixed response, head and (unless for a HEAD request) body, for the I/O thread to send. */
  static byte[] bytes(Response.Fixed r, boolean headRequest) {
    byte[] head = head(r, "Content-Length: " + r.body().length);
    if (headRequest || r.body().length == 0) {
      return head;
    }
    byte[] all = Arrays.copyOf(head, head.length + r.body().length);
    System.arraycopy(r.body(), 0, all, head.length, r.body().length);
    return all;
  }

  /** Writes a response to {@code request} as it is produced; throws if the client goes away or the body fails. */
  static void write(Response r, RequestHead request, OutputStream out) throws IOException {
    if (r instanceof Response.Fixed fixed) {
      out.write(bytes(fixed, request.isHead()));
      return;
    }
    Response.Streamed streamed = (Response.Streamed) r;
    boolean chunked = !request.isHttp10();
    out.write(head(r, chunked ? "Transfer-Encoding: chunked" : null));
    if (request.isHead()) {
      return;
    }
    if (chunked) {
      ChunkedOutputStream body = new ChunkedOutputStream(out, CHUNK_SIZE);
      streamed.body().writeTo(body);
      body.finish();
    } else {
      BufferedOutputStream body = new BufferedOutputStream(out, CHUNK_SIZE);
      streamed.body().writeTo(body);
      body.flush();
    }
  }

  private static byte[] head(Response r, String framing) {
    StringBuilder h = new StringBuilder(192).append("HTTP/1.1 ").append(r.status()).append(' ')
        .append(REASONS.getOrDefault(r.status(), "")).append("\r\n")
        .append("Content-Type: ").append(r.contentType()).append("\r\n");
    r.headers().forEach((name, value) -> h.append(name).append(": ").append(value).append("\r\n"));
    if (framing != null) {
      h.append(framing).append("\r\n");
    }
    h.append("Cache-Control: no-store\r\nConnection: close\r\n\r\n");
    return h.toString().getBytes(StandardCharsets.ISO_8859_1);
  }
}
