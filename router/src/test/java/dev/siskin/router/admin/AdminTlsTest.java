package dev.siskin.router.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.siskin.router.admin.http.HttpLimits;
import dev.siskin.router.config.AdminTlsFiles;
import dev.siskin.router.metrics.RouterMetrics;
import dev.siskin.testkit.TestPki;
import dev.siskin.tls.TlsFile;
import dev.siskin.tls.TlsFileException;
import dev.siskin.tls.TlsFiles;
import dev.siskin.tls.TlsIdentity;
import io.prometheus.metrics.core.metrics.Gauge;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code router.admin-tls} on the real admin server: HTTPS only, mTLS, a stalled handshake bounded like a stalled
 * head, a long response through a slow reader, and certificate rotation for new connections. Loopback only.
 */
class AdminTlsTest {
  @TempDir
  Path dir;
  private TestPki.Ca ca;
  private Path certFile;
  private Path keyFile;
  private TestPki.Issued serving;
  private final Readiness readiness = new Readiness();
  private final AtomicInteger reloads = new AtomicInteger();
  private RouterMetrics metrics;
  private AdminTls tls;
  private AdminServer server;

  @BeforeEach
  void pki() throws IOException {
    ca = TestPki.newCa(Files.createDirectories(dir.resolve("ca")), "admin-test-ca");
    serving = ca.issueServer("admin");
    certFile = dir.resolve("admin.crt");
    keyFile = dir.resolve("admin.key");
    serving.copyTo(certFile, keyFile);
    readiness.markServing();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (tls != null) {
      tls.close();
    }
    if (metrics != null) {
      metrics.close();
    }
  }

  private void start(Optional<Path> clientCa, HttpLimits limits) throws IOException, TlsFileException {
    TlsFiles files = new TlsFiles(new TlsFile("router.admin-tls.cert", certFile),
        new TlsFile("router.admin-tls.key", keyFile), clientCa.map(p -> new TlsFile("router.admin-tls.client-ca", p)));
    tls = AdminTls.start(new AdminTlsFiles(files, Optional.empty()), new ReloadingTlsCounter(reloads));
    metrics = new RouterMetrics(() -> null);
    server = AdminServer.builder().address("127.0.0.1:0").readiness(readiness).config(() -> null)
        .metrics(metrics).tls(tls).limits(limits).start();
  }

  private HttpResponse<String> get(SSLContext context, String path) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5)).build();
    return http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesHttpsOnlyAndAPlaintextClientGetsNoAnswerWhileTheNextIsServed() throws Exception {
    start(Optional.empty(), HttpLimits.DEFAULTS);
    SSLContext trusting = TestPki.clientContext(ca, null);
    assertThat(server.scheme()).isEqualTo("https");

    HttpResponse<String> live = get(trusting, "/live");
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.body()).isEqualTo("live\n");
    assertThat(live.sslSession().orElseThrow().getProtocol()).isIn("TLSv1.3", "TLSv1.2");

    String plain = rawExchange("GET /live HTTP/1.1\r\nHost: localhost\r\n\r\n");
    assertThat(plain).doesNotContain("HTTP/1.1 200").doesNotContain("live");

    assertThat(get(trusting, "/ready").statusCode()).isEqualTo(200);
    // A client that does not trust the CA refuses the server, which keeps serving the others.
    assertThat(catchThrowable(() -> get(SSLContext.getDefault(), "/live"))).isInstanceOf(IOException.class);
    assertThat(get(trusting, "/live").statusCode()).isEqualTo(200);
  }

  @Test
  void withAClientCaOnlyACertificateOfThatCaGetsInAndTheProbesAnswerWithout() throws Exception {
    start(Optional.of(ca.certFile()), HttpLimits.DEFAULTS);
    TestPki.Issued ops = ca.issueClient("ops", "ops");
    TestPki.Ca other = TestPki.newCa(Files.createDirectories(dir.resolve("other")), "another-ca");
    TestPki.Issued stranger = other.issueClient("stranger", "stranger");

    assertThat(get(TestPki.clientContext(ca, ops), "/live").statusCode()).isEqualTo(200);
    assertThat(get(TestPki.clientContext(ca, ops), "/metrics").statusCode()).isEqualTo(200);
    // Without one: the probes only (a kubelet has no certificate), every other path 403 naming what to pass.
    SSLContext anonymous = TestPki.clientContext(ca, null);
    assertThat(get(anonymous, "/ready").statusCode()).isEqualTo(200);
    assertThat(get(anonymous, "/live").statusCode()).isEqualTo(200);
    for (String path : List.of("/metrics", "/clusters", "/config", "/nowhere")) {
      HttpResponse<String> refused = get(anonymous, path);
      if (!path.equals("/nowhere")) {
        assertThat(refused.statusCode()).as(path).isEqualTo(403);
        assertThat(refused.body()).contains("router.admin-tls.client-ca").contains("--admin-cert");
      }
    }
    // One of another CA fails the handshake, whatever the path.
    assertThat(catchThrowable(() -> get(TestPki.clientContext(ca, stranger), "/live")))
        .as("a certificate of another CA").isInstanceOf(IOException.class);
    assertThat(get(TestPki.clientContext(ca, ops), "/ready").statusCode()).isEqualTo(200);
  }

  @Test
  void stalledHandshakesDelayNoProbeAndAreClosedAtTheHeadDeadline() throws Exception {
    start(Optional.empty(), new HttpLimits(Duration.ofMillis(700), 16 * 1024, 100, 128, 2, 4,
        Duration.ofSeconds(10), Duration.ofSeconds(1)));
    List<Socket> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), 5_000);
        s.setSoTimeout(5_000);
        // The start of a TLS handshake record, then nothing: a slowloris of the handshake.
        s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01});
        s.getOutputStream().flush();
        stalled.add(s);
      }
      long t0 = System.nanoTime();
      assertThat(get(TestPki.clientContext(ca, null), "/ready").statusCode()).isEqualTo(200);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));

      for (Socket s : stalled) {
        long start = System.nanoTime();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[1024];
        int total = 0;
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) { // the 5 s timeout fails the test if it never ends
          total += n;
        }
        assertThat(total).as("no HTTP answer before a handshake").isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      }
    } finally {
      for (Socket s : stalled) {
        s.close();
      }
    }
  }

  @Test
  void aLongStreamedResponseReachesASlowReaderWholeOverTls() throws Exception {
    start(Optional.empty(), HttpLimits.DEFAULTS);
    Gauge padded = Gauge.builder().name("test_padding").help("makes the scrape long").labelNames("pad")
        .register(metrics.registry());
    String pad = "p".repeat(200);
    int points = 1500;
    for (int i = 0; i < points; i++) {
      padded.labelValues(pad + i).set(i);
    }
    try (RawHttp slow = RawHttp.connectTls(server.port(), Duration.ofSeconds(20), 4096,
        TestPki.clientContext(ca, null))) {
      RawHttp.Reply reply = slow.send("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n").read();
      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.chunked()).isTrue();
      assertThat(reply.body().length()).isGreaterThan(points * pad.length()); // many TLS records, many partial writes
      for (int i = 0; i < points; i += 97) {
        assertThat(reply.body()).contains("test_padding{pad=\"" + pad + i + "\"} " + i + ".0");
      }
      assertThat(reply.body()).contains("test_padding{pad=\"" + pad + (points - 1) + "\"}");
    }
  }

  @Test
  void aNewCertificateServesNewConnectionsWithinASecondAndABrokenOneIsRejected() throws Exception {
    start(Optional.empty(), HttpLimits.DEFAULTS);
    assertThat(servedSerial()).isEqualTo(serving.serial());

    TestPki.Issued next = ca.issueServer("admin-next");
    TestPki.replaceAtomically(keyFile, next.keyPem());
    TestPki.replaceAtomically(certFile, next.certPem());
    long t0 = System.nanoTime();
    BigInteger seen = servedSerial();
    while (!seen.equals(next.serial()) && System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos()) {
      Thread.sleep(50);
      seen = servedSerial();
    }
    assertThat(seen).isEqualTo(next.serial());
    System.out.printf("admin TLS rotation: new certificate served %d ms after the files changed%n",
        Duration.ofNanos(System.nanoTime() - t0).toMillis());

    int before = reloads.get();
    TestPki.replaceAtomically(keyFile, ca.issueServer("unrelated").keyPem()); // a key of another certificate
    Thread.sleep(2_500);
    assertThat(servedSerial()).as("the last good certificate keeps serving").isEqualTo(next.serial());
    assertThat(tls.files().current().certificate().getSerialNumber()).isEqualTo(next.serial());
    assertThat(reloads.get()).isGreaterThan(before);
  }

  /**
   * The serial of the certificate a new HTTPS connection gets. A context of its own each time: a resumed TLS
   * session would show the certificate of the session it resumes.
   */
  private BigInteger servedSerial() throws Exception {
    HttpResponse<String> r = get(TestPki.clientContext(ca, null), "/live");
    return ((X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0]).getSerialNumber();
  }

  /** Sends {@code request} in plaintext and returns whatever comes back until the server closes. */
  private String rawExchange(String request) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), 5_000);
      s.setSoTimeout(5_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      try {
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      } catch (java.net.SocketException reset) {
        return "";
      }
    }
  }

  /** Counts reload outcomes, both kinds. */
  private record ReloadingTlsCounter(AtomicInteger count) implements dev.siskin.tls.ReloadingTls.Listener {
    @Override
    public void reloaded(TlsIdentity identity) {
      count.incrementAndGet();
    }

    @Override
    public void rejected(TlsFileException error) {
      count.incrementAndGet();
    }
  }
}
