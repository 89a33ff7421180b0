package dev.siskin.router.rollout.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JdkHttpTransportTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  @Test
  void getsTheStatusAndBodyAndSendsTheHeaders() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/rollout/peer", exchange -> {
      byte[] body = ("judge=" + exchange.getRequestHeaders().getFirst("x-judge")).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(409, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    try {
      PeerTransport transport = PeerTransport.http();
      // Twice: the second request reuses the client the first one built.
      for (int i = 0; i < 2; i++) {
        PeerTransport.Answer answer = transport.get(server.getAddress(), "/rollout/peer", Map.of("x-judge", "r1"),
            TIMEOUT);
        assertThat(answer.status()).isEqualTo(409);
        assertThat(answer.body()).isEqualTo("judge=r1");
      }
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aPortNobodyListensOnIsAnIoException() throws IOException {
    InetSocketAddress closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = (InetSocketAddress) socket.getLocalSocketAddress();
    }
    InetSocketAddress address = closed;
    assertThatThrownBy(() -> PeerTransport.http().get(address, "/rollout/peer", Map.of(), TIMEOUT))
        .isInstanceOf(IOException.class);
  }
}
