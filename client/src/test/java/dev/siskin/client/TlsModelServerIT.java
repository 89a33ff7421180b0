package dev.siskin.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.testkit.TestPki;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client's TLS options against the real model server serving mTLS (TLS_CERT, TLS_KEY, TLS_CLIENT_CA). */
class TlsModelServerIT {
  @TempDir
  static Path dir;

  private static TestPki.Ca ca;
  private static TestPki.Issued client;
  private static ModelServerJar server;

  @BeforeAll
  static void start() throws Exception {
    ca = TestPki.newCa(dir, "ca");
    TestPki.Issued serverCert = ca.issueServer("server");
    client = ca.issueClient("client", "client");
    server = ModelServerJar.start(dir, Map.of("TLS_CERT", serverCert.cert().toString(),
        "TLS_KEY", serverCert.key().toString(), "TLS_CLIENT_CA", ca.certFile().toString()));
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private static CliRun run(String command, String... options) {
    String[] args = new String[options.length + 5];
    args[0] = command;
    args[1] = "--target";
    args[2] = server.target();
    args[3] = "--tls-ca";
    args[4] = ca.certFile().toString();
    System.arraycopy(options, 0, args, 5, options.length);
    String[] withFeatures = command.equals("predict") ? concat(args, "5.1", "3.5", "1.4", "0.2") : args;
    return CliRun.of(withFeatures);
  }

  private static String[] concat(String[] first, String... more) {
    String[] out = new String[first.length + more.length];
    System.arraycopy(first, 0, out, 0, first.length);
    System.arraycopy(more, 0, out, first.length, more.length);
    return out;
  }

  private String[] clientCert() {
    return new String[] {"--tls-cert", client.cert().toString(), "--tls-key", client.key().toString()};
  }

  @Test
  void predictAndHealthWithAClientCertificate() {
    CliRun predict = run("predict", clientCert());
    assertThat(predict.exitCode()).as(predict.err()).isZero();
    assertThat(predict.out()).contains("species     setosa").contains("version     v1.0.0");

    CliRun health = run("health", clientCert());
    assertThat(health.exitCode()).as(health.err()).isZero();
    assertThat(health.out()).startsWith(String.format("status   ok%nversion  v1.0.0%n"));
  }

  @Test
  void withoutAClientCertificateTheServerRefusesAndTheErrorSaysTls() {
    CliRun run = run("predict");
    assertThat(run.exitCode()).isEqualTo(ExitCodes.FAILED);
    assertThat(run.errLines()).singleElement().asString()
        .startsWith("error: Predict on " + server.target() + " failed: UNAVAILABLE")
        .contains("-- the TLS handshake failed");
  }

  @Test
  void authorityIsTheNameCheckedInTheServerCertificate() {
    String[] named = concat(clientCert(), "--authority", "localhost");
    CliRun ok = run("health", named);
    assertThat(ok.exitCode()).as(ok.err()).isZero();

    CliRun wrongName = run("health", concat(clientCert(), "--authority", "model.example"));
    assertThat(wrongName.exitCode()).isEqualTo(ExitCodes.FAILED);
    assertThat(wrongName.errLines()).singleElement().asString()
        .startsWith("error: Health on " + server.target() + " failed: UNAVAILABLE")
        .contains("-- the TLS handshake failed");
  }

  @Test
  void aCaThatDidNotSignTheServerIsRefusedByTheClient() {
    TestPki.Ca other = TestPki.newCa(dir, "other-ca");
    CliRun run = CliRun.of("health", "--target", server.target(), "--tls-ca", other.certFile().toString(),
        "--tls-cert", client.cert().toString(), "--tls-key", client.key().toString());
    assertThat(run.exitCode()).isEqualTo(ExitCodes.FAILED);
    assertThat(run.errLines()).singleElement().asString().contains("-- the TLS handshake failed");
  }

  @Test
  void plaintextToTheTlsPortFails() {
    CliRun run = CliRun.of("health", "--target", server.target(), "--deadline", "3s");
    assertThat(run.exitCode()).isEqualTo(ExitCodes.FAILED);
    assertThat(run.errLines()).singleElement().asString().startsWith("error: Health on " + server.target() + " failed: ");
  }
}
