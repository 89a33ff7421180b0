package dev.siskin.router.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.cluster.ResolvedAddressBook;
import dev.siskin.router.config.RoutingSettings;
import dev.siskin.router.observe.ConnectionRefusal;
import dev.siskin.router.observe.RouteCause;
import dev.siskin.router.route.Route;
import dev.siskin.router.route.Selection;
import dev.siskin.router.testing.RecordingListener;
import dev.siskin.router.testing.TestBackend;
import dev.siskin.testkit.RecordingTrust;
import dev.siskin.testkit.TestPki;
import dev.siskin.tls.ReloadingTls;
import dev.siskin.tls.TlsFile;
import dev.siskin.tls.TlsFileException;
import dev.siskin.tls.TlsFiles;
import dev.siskin.tls.TlsIdentity;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The frame core's TLS listener with real grpc-java clients on loopback: a TLS client reaches a plaintext backend
 * through it; a plaintext client, a client without a certificate and one with another CA's certificate are
 * refused at the handshake, reported once each with their reason, and no call of theirs starts; new certificate
 * files serve new connections while calls go on, none failing.
 */
@org.junit.jupiter.api.extension.ExtendWith(LeakCheck.class)
class ListenerTlsTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir
  Path dir;
  private final ManagedChannel unused = InProcessChannelBuilder.forName("never-called").build();
  private final RecordingListener outcomes = new RecordingListener();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final AtomicInteger reloads = new AtomicInteger();
  private TestBackend backend;
  private ListenerTls tls;
  private FrameForwarder forwarder;
  private TestPki.Ca ca;
  private TestPki.Issued serving;

  private void start(boolean mtls) throws Exception {
    ca = TestPki.newCa(dir, "siskin-test-ca");
    serving = ca.issueServer("router");
    Path cert = dir.resolve("listener.crt");
    Path key = dir.resolve("listener.key");
    serving.copyTo(cert, key);
    TlsFiles files = new TlsFiles(new TlsFile("router.tls.cert", cert), new TlsFile("router.tls.key", key),
        mtls ? Optional.of(new TlsFile("router.tls.client-ca", ca.certFile())) : Optional.empty());
    tls = ListenerTls.start(files, new ReloadingTls.Listener() {
      @Override
      public void reloaded(TlsIdentity identity) {
        reloads.incrementAndGet();
      }

      @Override
      public void rejected(TlsFileException error) {}
    });
    backend = new TestBackend("v1");
    Backend v1 = new Backend("v1", backend.target(), unused, new ResolvedAddressBook());
    Route route = (method, headers, tried) -> v1.tryAcquire()
        ? new Selection(v1, Selection.Refusal.NONE, false, RouteCause.WEIGHT, 1.0, null)
        : new Selection(null, Selection.Refusal.NO_BACKEND, false, RouteCause.WEIGHT, 0.0, null);
    forwarder = new FrameForwarder(route, () -> new RoutingSettings("x-canary-backend", "", ""), outcomes,
        () -> Duration.ZERO, null, 2, 2000).start(new InetSocketAddress("127.0.0.1", 0), tls);
  }

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (forwarder != null) {
      forwarder.close();
    }
    if (tls != null) {
      tls.close();
    }
    if (backend != null) {
      backend.close();
    }
    unused.shutdownNow();
  }

  private ManagedChannel channel(ChannelCredentials credentials) {
    ManagedChannel c = Grpc.newChannelBuilder("127.0.0.1:" + forwarder.port(), credentials).build();
    channels.add(c);
    return c;
  }

  private static ChannelCredentials tlsTrusting(RecordingTrust trust, TestPki.Issued clientCert) {
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder().trustManager(trust.manager());
    if (clientCert != null) {
      try {
        b.keyManager(clientCert.cert().toFile(), clientCert.key().toFile());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return b.build();
  }

  private static String call(ManagedChannel c, String text) {
    return SimpleServiceGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS)
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage(text).build()).getResponseMessage();
  }

  private static Status.Code failedCall(ManagedChannel c) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> call(c, "refused"));
    assertThat(e).as("the call failed").isNotNull();
    return e.getStatus().getCode();
  }

  /** The refusals reported so far, once the expected number has come (they are reported on the event loop). */
  private List<ConnectionRefusal> awaitRefusals(int n) {
    Awaitility.await().atMost(WAIT).until(() -> outcomes.refused().size() >= n);
    return outcomes.refused();
  }

  @Test
  void aTlsClientReachesAPlaintextBackendThroughTheListener() throws Exception {
    start(false);
    RecordingTrust trust = RecordingTrust.of(ca);
    ManagedChannel c = channel(tlsTrusting(trust, null));
    assertThat(call(c, "hello")).isEqualTo("hello");
    assertThat(trust.lastSerial()).as("the listener's certificate").isEqualTo(serving.serial());
    assertThat(backend.unaryHandled.get()).isEqualTo(1);
    assertThat(outcomes.finished()).singleElement().satisfies(o -> {
      assertThat(o.code()).isEqualTo(Status.Code.OK);
      assertThat(o.peer()).as("the client's address, set behind TLS as without it").startsWith("/127.0.0.1:");
    });
    assertThat(outcomes.refused()).isEmpty();
  }

  @Test
  void aPlaintextListenerBesideTheTlsOneServesPlaintextClients() throws Exception {
    start(false);
    int plain = forwarder.alsoListenPlaintext(new InetSocketAddress("127.0.0.1", 0),
        new dev.siskin.router.config.ClientLimits(Duration.ZERO, 0));
    ManagedChannel c = Grpc.newChannelBuilder("127.0.0.1:" + plain, InsecureChannelCredentials.create()).build();
    channels.add(c);
    assertThat(call(c, "plain")).isEqualTo("plain");
    assertThat(call(channel(tlsTrusting(RecordingTrust.of(ca), null)), "tls")).as("the TLS one still").isEqualTo("tls");
    assertThat(outcomes.refused()).isEmpty();
  }

  @Test
  void aPlaintextClientIsRefusedAtTheHandshakeAndCounted() throws Exception {
    start(false);
    assertThat(failedCall(channel(InsecureChannelCredentials.create()))).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(awaitRefusals(1)).first().satisfies(r -> {
      assertThat(r.reason()).isEqualTo(TlsNegotiation.NOT_TLS);
      assertThat(r.peer()).startsWith("/127.0.0.1:");
    });
    assertThat(outcomes.started.get()).as("no call started").isZero();
    assertThat(backend.unaryHandled.get()).isZero();
  }

  @Test
  void underMtlsOnlyAClientWithACertificateOfTheClientCaGetsIn() throws Exception {
    start(true);
    RecordingTrust trust = RecordingTrust.of(ca);
    assertThat(call(channel(tlsTrusting(trust, ca.issueClient("good", "client"))), "in")).isEqualTo("in");

    assertThat(failedCall(channel(tlsTrusting(trust, null)))).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(awaitRefusals(1)).extracting(ConnectionRefusal::reason)
        .containsExactly(TlsNegotiation.NO_CLIENT_CERTIFICATE);

    TestPki.Ca other = TestPki.newCa(java.nio.file.Files.createDirectories(dir.resolve("other")), "another-ca");
    assertThat(failedCall(channel(tlsTrusting(trust, other.issueClient("stranger", "client")))))
        .isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(awaitRefusals(2)).extracting(ConnectionRefusal::reason)
        .containsExactly(TlsNegotiation.NO_CLIENT_CERTIFICATE, TlsNegotiation.BAD_CLIENT_CERTIFICATE);

    assertThat(backend.unaryHandled.get()).as("only the good client's call reached the backend").isEqualTo(1);
    assertThat(outcomes.started.get()).isEqualTo(1);
  }

  @Test
  void newCertificateFilesServeNewConnectionsWhileCallsGoOnAndNoneFails() throws Exception {
    start(false);
    RecordingTrust trust = RecordingTrust.of(ca);
    ManagedChannel steady = channel(tlsTrusting(trust, null));
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread load = new Thread(() -> {
      // Bounded in count as well as by the test's end.
      for (int i = 0; i < 100_000 && running.get(); i++) {
        try {
          call(steady, "steady " + i);
          ok.incrementAndGet();
        } catch (RuntimeException e) {
          failure.compareAndSet(null, e);
          return;
        }
      }
    }, "tls-rotation-load");
    load.start();
    Awaitility.await().atMost(WAIT).until(() -> ok.get() >= 50);

    TestPki.Issued next = ca.issueServer("router-next");
    int reloadsBefore = reloads.get();
    next.copyTo(dir.resolve("listener.crt"), dir.resolve("listener.key"));
    Awaitility.await().atMost(WAIT).until(() -> reloads.get() > reloadsBefore);
    // A new connection's handshake presents the new certificate; the old connection goes on with the old one.
    RecordingTrust fresh = RecordingTrust.of(ca);
    assertThat(call(channel(tlsTrusting(fresh, null)), "new")).isEqualTo("new");
    assertThat(fresh.lastSerial()).isEqualTo(next.serial());
    int okAtRotation = ok.get();
    Awaitility.await().atMost(WAIT).until(() -> ok.get() >= okAtRotation + 50 || failure.get() != null);
    running.set(false);
    load.join(TimeUnit.SECONDS.toMillis(15));

    assertThat(failure.get()).as("a call failed during the rotation").isNull();
    assertThat(trust.serials()).as("the steady connection's one handshake").containsExactly(serving.serial());
    System.out.printf("TLS rotation under load: %d calls on one connection, 0 failed; new connections serve %s%n",
        ok.get(), next.serialHex());
  }
}
