package dev.siskin.router.h2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.cluster.ResolvedAddressBook;
import dev.siskin.router.config.ClientLimits;
import dev.siskin.router.config.RoutingSettings;
import dev.siskin.router.observe.ConnectionRefusal;
import dev.siskin.router.observe.RouteCause;
import dev.siskin.router.route.Selection;
import dev.siskin.router.testing.RecordingListener;
import dev.siskin.router.testing.TestBackend;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * router.client-idle-timeout and router.max-connections-per-client-address on real sockets: a connection that
 * carries no call and says nothing is closed after the timeout (with GOAWAY), one whose call runs quietly is kept;
 * past the per-address count a connection is closed at accept and reported, and a freed slot is taken again.
 */
@org.junit.jupiter.api.extension.ExtendWith(LeakCheck.class)
class ClientIdleAndCountLimitsTest {
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  /** An empty SETTINGS frame: length 0, type 4, no flags, stream 0. */
  private static final byte[] EMPTY_SETTINGS = {0, 0, 0, 4, 0, 0, 0, 0, 0};

  private final ManagedChannel unused = InProcessChannelBuilder.forName("never-called").build();
  private final RecordingListener outcomes = new RecordingListener();
  private final List<Socket> sockets = new ArrayList<>();
  private TestBackend backend;
  private FrameForwarder forwarder;
  private ManagedChannel client;

  private void start(ClientLimits limits) throws Exception {
    backend = new TestBackend("v1");
    Backend b = new Backend("v1", backend.target(), unused, new ResolvedAddressBook());
    forwarder = new FrameForwarder((method, headers, tried) -> {
      b.tryAcquire();
      return new Selection(b, Selection.Refusal.NONE, false, RouteCause.WEIGHT, 1.0, null);
    }, () -> new RoutingSettings("x-canary-backend", "", ""), outcomes, () -> Duration.ZERO, null, 1, 2000)
        .start(new InetSocketAddress("127.0.0.1", 0), null, limits);
  }

  @AfterEach
  void stop() throws Exception {
    for (Socket s : sockets) {
      s.close();
    }
    if (client != null) {
      client.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    forwarder.close();
    backend.close();
    unused.shutdownNow();
  }

  /** A connection that has sent the client preface and an empty SETTINGS, and then nothing. */
  private Socket quietConnection() throws IOException {
    Socket s = new Socket("127.0.0.1", forwarder.port());
    sockets.add(s);
    s.getOutputStream().write(PREFACE);
    s.getOutputStream().write(EMPTY_SETTINGS);
    s.getOutputStream().flush();
    return s;
  }

  /** Reads until the router closes the connection, at most {@code within}; the frame types read, or null if open. */
  private static List<Integer> readUntilClosed(Socket s, Duration within) throws IOException {
    s.setSoTimeout((int) within.toMillis());
    InputStream in = s.getInputStream();
    List<Integer> types = new ArrayList<>();
    try {
      while (true) {
        byte[] header = in.readNBytes(9);
        if (header.length < 9) {
          return types;
        }
        int length = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | header[2] & 0xff;
        types.add(header[3] & 0xff);
        if (in.readNBytes(length).length < length) {
          return types;
        }
      }
    } catch (SocketTimeoutException e) {
      return null;
    } catch (IOException e) {
      return types; // reset by the router: closed too
    }
  }

  @Test
  void aQuietConnectionWithoutCallsIsClosedAfterTheIdleTimeoutWithGoAway() throws Exception {
    start(new ClientLimits(Duration.ofSeconds(1), 0));
    long opened = System.nanoTime();
    List<Integer> frames = readUntilClosed(quietConnection(), Duration.ofSeconds(10));
    long closedAfterMillis = (System.nanoTime() - opened) / 1_000_000;
    assertThat(frames).as("closed by the router").isNotNull().contains(7); // GOAWAY
    assertThat(closedAfterMillis).as("not before the timeout").isGreaterThanOrEqualTo(900);
  }

  @Test
  void aCallThatRunsQuietlyLongerThanTheIdleTimeoutKeepsItsConnection() throws Exception {
    start(new ClientLimits(Duration.ofSeconds(1), 0));
    client = Grpc.newChannelBuilder("127.0.0.1:" + forwarder.port(), InsecureChannelCredentials.create()).build();
    var stub = SimpleServiceGrpc.newBlockingStub(client);
    String answer = stub.withDeadlineAfter(20, TimeUnit.SECONDS)
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage("sleep:2500").build()).getResponseMessage();
    assertThat(answer).isEqualTo("slept");
    // After the call the connection goes idle and is closed; the channel reconnects for the next one.
    Thread.sleep(2500);
    assertThat(stub.withDeadlineAfter(10, TimeUnit.SECONDS)
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage("again").build()).getResponseMessage())
        .isEqualTo("again");
  }

  @Test
  void pastTheCountPerClientAddressAConnectionIsClosedAtAcceptAndAFreedSlotIsTakenAgain() throws Exception {
    start(new ClientLimits(Duration.ZERO, 2));
    Socket first = quietConnection();
    quietConnection();
    List<Integer> third = readUntilClosed(quietConnection(), Duration.ofSeconds(5));
    assertThat(third).as("the third connection from 127.0.0.1 is closed").isNotNull();
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !outcomes.refused().isEmpty());
    assertThat(outcomes.refused()).singleElement().satisfies(r -> {
      assertThat(r.reason()).isEqualTo(FrameForwarder.TOO_MANY_CONNECTIONS);
      assertThat(r.detail()).contains("2 connections from 127.0.0.1 already");
    });

    first.close();
    Thread.sleep(300); // the router sees the close on its loop
    assertThat(readUntilClosed(quietConnection(), Duration.ofMillis(700))).as("a freed slot is taken: open")
        .isNull();
    assertThat(outcomes.refused()).extracting(ConnectionRefusal::reason).hasSize(1);
  }
}
