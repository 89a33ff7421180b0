package dev.siskin.router.admin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A hand-driven HTTP/1.1 connection for tests that need what no HTTP client library does: send part of a
 * request and stop, send bytes slowly, never read, or look at the framing of the answer (chunked or not).
 * Loopback only; every read is bounded by the socket's timeout.
 */
final class RawHttp implements AutoCloseable {
  /** A response as it came: status, headers (names lower case), the body after de-chunking, and its framing. */
  record Reply(int status, Map<String, String> headers, String body, boolean chunked) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** How a connection ended when the test stopped sending and waited. */
  enum End { CLOSED, OPEN }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  static RawHttp connect(int port, Duration readTimeout) throws IOException {
    return connect(port, readTimeout, 0);
  }

  /** With {@code receiveBuffer > 0} the receive buffer is that small: a reader that stops stalls the server soon. */
  static RawHttp connect(int port, Duration readTimeout, int receiveBuffer) throws IOException {
    Socket s = new Socket();
    if (receiveBuffer > 0) {
      s.setReceiveBufferSize(receiveBuffer); // before connect, so that the window is small from the start
    }
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
    s.setSoTimeout((int) readTimeout.toMillis());
    return new RawHttp(s);
  }

  /**
   * Over TLS with {@code tls} (handshake done here); with {@code receiveBuffer > 0} the receive buffer is that
   * small, as above.
   */
  static RawHttp connectTls(int port, Duration readTimeout, int receiveBuffer, javax.net.ssl.SSLContext tls)
      throws IOException {
    Socket plain = connect(port, readTimeout, receiveBuffer).socket;
    javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket(plain, "localhost",
        port, true);
    s.setSoTimeout((int) readTimeout.toMillis());
    s.startHandshake();
    return new RawHttp(s);
  }

  RawHttp send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawHttp send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** Reads one whole response: by Content-Length, chunked, or up to the close. */
  Reply read() throws IOException {
    Map<String, String> headers = new LinkedHashMap<>();
    String statusLine = line();
    if (statusLine == null) {
      throw new IOException("connection closed before a status line");
    }
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not a status line: " + statusLine);
    }
    for (String h = line(); h != null && !h.isEmpty(); h = line()) {
      int colon = h.indexOf(':');
      headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
    }
    boolean chunked = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"));
    byte[] body;
    if (chunked) {
      body = dechunk();
    } else if (headers.containsKey("content-length")) {
      body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
    } else {
      body = in.readAllBytes();
    }
    return new Reply(Integer.parseInt(parts[1]), headers, new String(body, StandardCharsets.UTF_8), chunked);
  }

  /** The response head only (status line and headers), leaving the body unread. */
  String readHead() throws IOException {
    StringBuilder head = new StringBuilder();
    for (String h = line(); h != null && !h.isEmpty(); h = line()) {
      head.append(h).append('\n');
    }
    return head.toString();
  }

  /** Reads and counts bytes until the server closes (EOF or reset) or the read timeout passes. */
  long drain() throws IOException {
    byte[] buf = new byte[64 * 1024];
    long total = 0;
    try {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        total += n;
      }
    } catch (SocketException reset) {
      // the server closed with bytes of ours unread: the kernel answers with a reset, an end too
    }
    return total;
  }

  /** Whether the server closes this connection within the socket's read timeout (reading and dropping what comes). */
  End awaitEnd() throws IOException {
    byte[] buf = new byte[8192];
    try {
      while (in.read(buf) >= 0) {
        // skip what the server still sends, e.g. a 408
      }
      return End.CLOSED;
    } catch (SocketTimeoutException stillOpen) {
      return End.OPEN;
    } catch (SocketException reset) {
      return End.CLOSED;
    }
  }

  private byte[] dechunk() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String sizeLine = line();
      if (sizeLine == null) {
        throw new IOException("chunked body ended without its last chunk");
      }
      int size = Integer.parseInt(sizeLine.trim(), 16);
      if (size == 0) {
        if (!"".equals(line())) {
          throw new IOException("no empty line after the last chunk");
        }
        return body.toByteArray();
      }
      body.write(in.readNBytes(size));
      if (!"".equals(line())) {
        throw new IOException("chunk of " + size + " bytes not followed by CRLF");
      }
    }
  }

  /** One CRLF-terminated line (ISO-8859-1), or null at the end of the stream. */
  private String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b >= 0; b = in.read()) {
      if (b == '\n') {
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      line.write(b);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
