package dev.siskin.router.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.router.testing.JarProcess;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile clients against the router jar while a well-behaved client keeps calling through it: each case must
 * cost the hostile client its call or its connection, never the router or the other client -- which sees no
 * failure -- and the router's RSS stays bounded. {@link ModelServerHostileClientsIT} runs every case against the
 * model server jar. The peer is {@link RawH2}: frames written by hand, in any order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileClientsIT {
  static final String PREDICT = "/mlservice.v1.PredictionService/Predict";
  private static final Duration ANSWER_WITHIN = Duration.ofSeconds(15);

  /** Static: injected before {@code @BeforeAll} (an instance field is not, even per class). */
  @TempDir
  static Path dir;
  E2eCluster cluster;
  private SteadyLoad load;
  private PredictClient victimClient;

  @BeforeAll
  void startCluster() throws Exception {
    cluster = E2eCluster.start("router-hostile", dir, 100, 0);
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The port the hostile and the well-behaved clients call. */
  int victimPort() {
    return cluster.router.port();
  }

  /** The process under attack. */
  JarProcess victim() {
    return cluster.router.process();
  }

  /** Its RSS must stay below this (the router runs with -Xmx256m). */
  long rssCeilingBytes() {
    return 600L << 20;
  }

  /** Whether the victim answers a reset flood with GOAWAY (the router does; see the model server's case). */
  boolean goAwayOnResetFlood() {
    return true;
  }

  @BeforeEach
  void startWellBehavedClient() throws Exception {
    victimClient = new PredictClient(victimPort());
    load = new SteadyLoad(victimClient);
    load.awaitMoreCalls(50);
  }

  @AfterEach
  void wellBehavedClientSawNoFailure() throws Exception {
    try {
      load.awaitMoreCalls(50); // still served after the attack
      load.stopAndAssertNoneFailed();
      assertThat(victim().isAlive()).isTrue();
      long rss = rssBytes(victim().pid());
      System.out.printf("%s: RSS %d MiB%n", getClass().getSimpleName(), rss >> 20);
      assertThat(rss).as("RSS of the process under attack").isLessThan(rssCeilingBytes());
    } finally {
      victimClient.close();
    }
  }

  @Test
  void garbageInsteadOfThePrefaceCostsThatConnection() throws Exception {
    byte[] garbage = new byte[16 << 10];
    new Random(7).nextBytes(garbage);
    try (RawH2 peer = RawH2.connect(victimPort())) {
      writeIgnoringReset(peer, garbage);
      assertThat(peer.awaitClose(ANSWER_WITHIN)).as("connection closed").isTrue();
    }
  }

  @Test
  void anHttp11RequestCostsThatConnection() throws Exception {
    try (RawH2 peer = RawH2.connect(victimPort())) {
      writeIgnoringReset(peer, "GET / HTTP/1.1\r\nHost: siskin\r\nConnection: keep-alive\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      assertThat(peer.awaitClose(ANSWER_WITHIN)).as("connection closed").isTrue();
    }
  }

  @Test
  void aHeaderBlockOfOneMebibyteIsRefused() throws Exception {
    Http2Headers big = RawH2.grpcRequest(PREDICT).set("x-big", "b".repeat(1 << 20));
    try (RawH2 peer = RawH2.connect(victimPort()).handshake()) {
      byte[] block = peer.headerBlock(big);
      try {
        int chunk = 16 << 10;
        for (int at = 0; at < block.length; at += chunk) {
          int n = Math.min(chunk, block.length - at);
          byte[] part = java.util.Arrays.copyOfRange(block, at, at + n);
          boolean last = at + n >= block.length;
          peer.frame(at == 0 ? RawH2.HEADERS : RawH2.CONTINUATION, last ? RawH2.END_HEADERS : 0, 1, part);
        }
      } catch (IOException e) {
        // Cut off mid-block: refused the hard way, which is allowed.
      }
      List<RawH2.Frame> frames = peer.readUntil(f -> answered(f, 1), ANSWER_WITHIN);
      assertThat(frames).as("no successful answer to a 1 MiB header block")
          .noneMatch(f -> f.type() == RawH2.HEADERS && f.streamId() == 1 && ":status: 200 grpc-status: 0"
              .equals(statusOf(f)));
      assertThat(peer.closedByPeer() || frames.stream().anyMatch(f -> answered(f, 1)))
          .as("the stream refused or the connection closed: " + frames).isTrue();
    }
  }

  @Test
  void aLengthPrefixOfTwoGibibytesWithNoDataIsRefusedWithoutWaitingForIt() throws Exception {
    try (RawH2 peer = RawH2.connect(victimPort()).handshake()) {
      peer.headers(1, RawH2.grpcRequest(PREDICT), false);
      peer.data(1, RawH2.grpcMessage(Integer.MAX_VALUE, new byte[0]), false); // and nothing more, no END_STREAM
      List<RawH2.Frame> frames = peer.readUntil(f -> answered(f, 1), ANSWER_WITHIN);
      assertThat(frames).as("the call answered with an error or reset: " + frames)
          .anyMatch(f -> answered(f, 1) && !"0".equals(grpcStatus(f)));
    }
  }

  @Test
  void tenThousandStreamsOpenedAndResetCostOnlyThatConnection() throws Exception {
    try (RawH2 peer = RawH2.connect(victimPort()).handshake()) {
      Http2Headers request = RawH2.grpcRequest(PREDICT);
      int sent = 0;
      try {
        for (int i = 0; i < 10_000; i++) {
          int id = 2 * i + 1;
          peer.headers(id, request, false);
          peer.reset(id, 0x8); // CANCEL
          sent++;
        }
      } catch (IOException e) {
        // the victim closed the connection under the flood: allowed
      }
      List<RawH2.Frame> frames = peer.readUntil(f -> f.type() == RawH2.GOAWAY, ANSWER_WITHIN);
      System.out.printf("%s: %d streams opened and reset before the connection ended%n", getClass().getSimpleName(),
          sent);
      if (goAwayOnResetFlood()) {
        assertThat(frames).as("GOAWAY ENHANCE_YOUR_CALM").anyMatch(f -> f.type() == RawH2.GOAWAY
            && f.errorCode() == 0xb);
        // How much was written says nothing about where the victim stopped: the socket buffers may take the whole
        // flood before it reads a byte (a busy machine), and Netty's GOAWAY after a connection error names stream
        // 2^31-1, not the last one it handled. What shows the flood stopped is that the victim closes at once.
        assertThat(peer.awaitClose(ANSWER_WITHIN)).as("the victim closed the flooding connection").isTrue();
      }
    }
  }

  @Test
  void aClientThatNeverReadsHoldsOnlyItsOwnCalls() throws Exception {
    byte[] message = RawH2.grpcMessage(PredictClient.SEED_REQUEST.getSerializedSize(),
        PredictClient.SEED_REQUEST.toByteArray());
    try (RawH2 peer = RawH2.connect(victimPort()).handshake(RawH2.INITIAL_WINDOW_SIZE, 0)) {
      Http2Headers request = RawH2.grpcRequest(PREDICT);
      for (int i = 0; i < 500; i++) {
        peer.headers(2 * i + 1, request, false);
        peer.data(2 * i + 1, message, true);
      }
      // Nothing read for a while: its answers wait on its zero window while the other client goes on.
      load.awaitMoreCalls(200);
      List<RawH2.Frame> frames = peer.readUntil(f -> false, Duration.ofSeconds(2));
      assertThat(frames).as("its calls were answered as far as its window lets them (response headers)")
          .anyMatch(f -> f.type() == RawH2.HEADERS && f.streamId() % 2 == 1);
      assertThat(frames).as("no response DATA past a zero window").noneMatch(f -> f.type() == RawH2.DATA);
    }
  }

  @Test
  void halfSentHeadersOnManyConnectionsHurtNobodyElse() throws Exception {
    List<RawH2> peers = new ArrayList<>();
    try {
      for (int i = 0; i < 50; i++) {
        RawH2 peer = RawH2.connect(victimPort()).handshake();
        byte[] block = peer.headerBlock(RawH2.grpcRequest(PREDICT).set("x-slow", "s".repeat(200)));
        // The first half of the header block, without END_HEADERS: the rest never comes.
        peer.frame(RawH2.HEADERS, 0, 1, java.util.Arrays.copyOf(block, block.length / 2));
        peers.add(peer);
      }
      load.awaitMoreCalls(200);
    } finally {
      for (RawH2 peer : peers) {
        peer.close();
      }
    }
  }

  /** Whether {@code f} ends stream {@code id}: a reset, trailers (END_STREAM), or the connection's GOAWAY. */
  static boolean answered(RawH2.Frame f, int id) {
    return (f.streamId() == id && (f.type() == RawH2.RST_STREAM || (f.type() == RawH2.HEADERS && f.endStream())))
        || f.type() == RawH2.GOAWAY;
  }

  private static String grpcStatus(RawH2.Frame f) {
    if (f.headers() == null) {
      return null;
    }
    CharSequence s = f.headers().get("grpc-status");
    return s == null ? null : s.toString();
  }

  private static String statusOf(RawH2.Frame f) {
    return f.headers() == null ? "" : ":status: " + f.headers().status() + " grpc-status: " + grpcStatus(f);
  }

  private static void writeIgnoringReset(RawH2 peer, byte[] bytes) {
    try {
      peer.write(bytes);
    } catch (IOException e) {
      // the victim may close while the bytes are still going out
    }
  }

  static long rssBytes(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
      }
    }
    throw new IOException("no VmRSS in /proc/" + pid + "/status");
  }
}
