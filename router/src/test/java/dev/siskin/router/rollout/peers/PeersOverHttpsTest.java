package dev.siskin.router.rollout.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.siskin.router.admin.AdminServer;
import dev.siskin.router.admin.AdminTls;
import dev.siskin.router.admin.Readiness;
import dev.siskin.router.config.AdminTlsFiles;
import dev.siskin.router.metrics.RouterMetrics;
import dev.siskin.testkit.TestPki;
import dev.siskin.tls.TlsFile;
import dev.siskin.tls.TlsFileException;
import dev.siskin.tls.TlsFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The calls between the routers of a shared rollout when they serve {@code router.admin-tls} with mTLS: each
 * presents its admin certificate and checks the other's against the peer CA -- by CA, not name, since peers are
 * called by IP address.
 */
class PeersOverHttpsTest {
  @TempDir
  Path dir;
  private final List<AutoCloseable> started = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (int i = started.size() - 1; i >= 0; i--) {
      started.get(i).close();
    }
  }

  private AdminTls tls(TestPki.Issued own, Path clientCa, Optional<Path> peerCa) throws TlsFileException {
    AdminTls tls = AdminTls.start(new AdminTlsFiles(new TlsFiles(new TlsFile("router.admin-tls.cert", own.cert()),
        new TlsFile("router.admin-tls.key", own.key()), Optional.of(new TlsFile("router.admin-tls.client-ca", clientCa))),
        peerCa.map(p -> new TlsFile("router.admin-tls.peer-ca", p))), dev.siskin.tls.ReloadingTls.Listener.NONE);
    started.add(tls);
    return tls;
  }

  private InetSocketAddress serve(AdminTls tls) throws IOException {
    RouterMetrics metrics = new RouterMetrics(() -> null);
    started.add(metrics::close);
    Readiness readiness = new Readiness();
    readiness.markServing();
    AdminServer server = AdminServer.builder().address("127.0.0.1:0").readiness(readiness).config(() -> null)
        .metrics(metrics).tls(tls).start();
    started.add(server);
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port());
  }

  @Test
  void aPeerWithACertificateOfTheClientCaIsCalledByAddressAndPresentsItsOwn() throws Exception {
    TestPki.Ca ca = TestPki.newCa(Files.createDirectories(dir.resolve("ca")), "routers-ca");
    // A certificate naming neither "127.0.0.1" nor "localhost": peers are checked by CA only.
    TestPki.Issued a = ca.issueServerAndClient("router-a", "router-a", List.of("router-a.internal"));
    TestPki.Issued b = ca.issueServerAndClient("router-b", "router-b", List.of("router-b.internal"));
    InetSocketAddress peerB = serve(tls(b, ca.certFile(), Optional.empty()));
    AdminTls fromA = tls(a, ca.certFile(), Optional.empty());

    PeerTransport.Answer answer = PeerTransport.https(Map::of, fromA.peerContext())
        .get(peerB, "/live", Map.of(), Duration.ofSeconds(5));
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("live\n");

    // Plain HTTP to it gets nothing.
    assertThat(catchThrowable(() -> PeerTransport.http().get(peerB, "/live", Map.of(), Duration.ofSeconds(5))))
        .isInstanceOf(IOException.class);
  }

  @Test
  void aPeerOfAnotherCaIsRefusedAndAPeerCaOtherThanTheClientCaIsTheOneTrusted() throws Exception {
    TestPki.Ca clients = TestPki.newCa(Files.createDirectories(dir.resolve("clients")), "clients-ca");
    TestPki.Ca servers = TestPki.newCa(Files.createDirectories(dir.resolve("servers")), "servers-ca");
    TestPki.Ca stranger = TestPki.newCa(Files.createDirectories(dir.resolve("stranger")), "stranger-ca");
    // Router B's admin certificate is of "servers"; it requires client certificates of "clients".
    InetSocketAddress peerB = serve(tls(servers.issueServerAndClient("router-b", "router-b", List.of("b.internal")),
        clients.certFile(), Optional.empty()));
    // Router A presents a certificate of "clients" and trusts "servers" as its peer CA: in.
    TestPki.Issued a = clients.issueServerAndClient("router-a", "router-a", List.of("router-a.internal"));
    AdminTls withPeerCa = tls(a, clients.certFile(), Optional.of(servers.certFile()));
    assertThat(PeerTransport.https(Map::of, withPeerCa.peerContext()).get(peerB, "/live", Map.of(),
        Duration.ofSeconds(5)).status()).isEqualTo(200);

    // Without the peer CA it would check B against its client CA, which did not sign B: refused.
    AdminTls withoutPeerCa = tls(a, clients.certFile(), Optional.empty());
    assertThat(catchThrowable(() -> PeerTransport.https(Map::of, withoutPeerCa.peerContext()).get(peerB, "/live",
        Map.of(), Duration.ofSeconds(5)))).isInstanceOf(IOException.class);
    // And a router whose certificate B's client CA did not sign is refused by B.
    TestPki.Issued outsider = stranger.issueServerAndClient("outsider", "outsider", List.of("x.internal"));
    AdminTls fromOutsider = tls(outsider, stranger.certFile(), Optional.of(servers.certFile()));
    assertThat(catchThrowable(() -> PeerTransport.https(Map::of, fromOutsider.peerContext()).get(peerB, "/live",
        Map.of(), Duration.ofSeconds(5)))).isInstanceOf(IOException.class);
  }
}
