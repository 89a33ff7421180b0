package dev.siskin.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The router's admin endpoint as the client sees it: fixed /clusters, /config and (when given) /canary JSON, a
 * fixed /ready status. Without /canary JSON that path answers 404, as an older router's does.
 */
final class FakeAdmin implements AutoCloseable {
  private final HttpServer server;
  /** The bearer token every answer but /ready needs, as router.admin-token-file makes it; null: none. */
  private volatile String requiredToken;

  FakeAdmin(String clustersJson, int readyStatus) throws IOException {
    this(clustersJson, "{}", readyStatus);
  }

  FakeAdmin(String clustersJson, String configJson, int readyStatus) throws IOException {
    this(clustersJson, configJson, null, readyStatus);
  }

  FakeAdmin(String clustersJson, String configJson, String canaryJson, int readyStatus) throws IOException {
    this(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0), clustersJson, configJson,
        canaryJson, readyStatus);
  }

  /** Over HTTPS with {@code tls}'s certificate; with {@code clientCertificate}, one is required (mTLS). */
  static FakeAdmin https(String clustersJson, String configJson, javax.net.ssl.SSLContext tls,
      boolean clientCertificate) throws IOException {
    com.sun.net.httpserver.HttpsServer server = com.sun.net.httpserver.HttpsServer.create(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls) {
      @Override
      public void configure(com.sun.net.httpserver.HttpsParameters params) {
        javax.net.ssl.SSLParameters p = tls.getDefaultSSLParameters();
        p.setNeedClientAuth(clientCertificate);
        params.setSSLParameters(p);
      }
    });
    return new FakeAdmin(server, clustersJson, configJson, null, 200);
  }

  private FakeAdmin(HttpServer server, String clustersJson, String configJson, String canaryJson, int readyStatus) {
    this.server = server;
    server.createContext("/clusters", exchange -> respond(exchange, 200, clustersJson));
    server.createContext("/config", exchange -> respond(exchange, 200, configJson));
    if (canaryJson != null) {
      server.createContext("/canary", exchange -> respond(exchange, 200, canaryJson));
    }
    server.createContext("/ready", exchange -> respond(exchange, readyStatus, readyStatus == 200 ? "ready" : "not ready"));
    server.start();
  }

  /** Admin reporting the given weights for v1 and v2 at config generation 7. */
  static FakeAdmin withWeights(int v1, int v2) throws IOException {
    return new FakeAdmin("{\"generation\":7,\"backends\":[{\"name\":\"v1\",\"target\":\"127.0.0.1:1\",\"weight\":" + v1
        + ",\"inFlight\":0},{\"name\":\"v2\",\"target\":\"127.0.0.1:2\",\"weight\":" + v2 + "}]}", 200);
  }

  /** From now on, answers 401 unless a request sends {@code Authorization: Bearer token}. */
  FakeAdmin requireToken(String token) {
    this.requiredToken = token;
    return this;
  }

  String address() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  private void respond(HttpExchange exchange, int status, String body) throws IOException {
    String token = requiredToken;
    if (token != null && !exchange.getRequestURI().getPath().equals("/ready")
        && !("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
      status = 401;
      body = "{\"error\":\"this admin endpoint needs a bearer token\"}";
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
