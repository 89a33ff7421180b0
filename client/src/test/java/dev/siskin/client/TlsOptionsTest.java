package dev.siskin.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.testkit.TestPki;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS options' usage errors: each is one line naming the option (and file), exit 2, before any call. */
class TlsOptionsTest {
  @TempDir
  Path dir;

  private TestPki.Ca ca;
  private TestPki.Issued client;
  // Nothing listens there: a call would fail with UNAVAILABLE (exit 1), so exit 2 shows that none was made.
  private String target;

  @BeforeEach
  void issue() throws Exception {
    target = FreePort.address();
    ca = TestPki.newCa(dir, "ca");
    client = ca.issueClient("client", "client");
  }

  private void assertUsageError(String message, String... args) {
    String[] full = new String[args.length + 3];
    full[0] = "health";
    full[1] = "--target";
    full[2] = target;
    System.arraycopy(args, 0, full, 3, args.length);
    CliRun run = CliRun.of(full);
    assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.errLines()).containsExactly("error: " + message + " (see 'client health --help')");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void clientCertificateAuthorityAndKeyNeedTheCa() {
    assertUsageError("--tls-cert needs --tls-ca (the CA that signed the server's certificate): it applies to TLS "
        + "calls only", "--tls-cert", client.cert().toString(), "--tls-key", client.key().toString());
    assertUsageError("--tls-key needs --tls-ca (the CA that signed the server's certificate): it applies to TLS "
        + "calls only", "--tls-key", client.key().toString());
    assertUsageError("--authority needs --tls-ca (the CA that signed the server's certificate): it applies to TLS "
        + "calls only", "--authority", "localhost");
  }

  @Test
  void certificateAndKeyComeTogether() {
    assertUsageError("--tls-cert needs --tls-key (the private key of that certificate)",
        "--tls-ca", ca.certFile().toString(), "--tls-cert", client.cert().toString());
    assertUsageError("--tls-key needs --tls-cert (the certificate of that key)",
        "--tls-ca", ca.certFile().toString(), "--tls-key", client.key().toString());
  }

  @Test
  void unreadableAndWrongFilesAreNamed() {
    Path missing = dir.resolve("missing.crt");
    assertUsageError("--tls-ca=" + missing + ": cannot read it: no such file", "--tls-ca", missing.toString());
    assertUsageError("--tls-ca=" + client.key() + ": holds a private key; expected certificates "
        + "(-----BEGIN CERTIFICATE-----) here (are the certificate and key files swapped?)",
        "--tls-ca", client.key().toString());
    TestPki.Issued other = ca.issueClient("other", "other");
    assertUsageError("--tls-key=" + other.key() + ": the private key does not belong to the certificate in "
        + "--tls-cert=" + client.cert() + " (subject CN=client, serial " + client.serialHex() + ")",
        "--tls-ca", ca.certFile().toString(), "--tls-cert", client.cert().toString(), "--tls-key",
        other.key().toString());
  }

  @Test
  void withGoodFilesTheCallIsMadeOverTls() {
    CliRun run = CliRun.of("health", "--target", target, "--tls-ca", ca.certFile().toString(),
        "--tls-cert", client.cert().toString(), "--tls-key", client.key().toString(), "--deadline", "2s");
    assertThat(run.exitCode()).isEqualTo(ExitCodes.FAILED);
    assertThat(run.errLines()).singleElement().asString().startsWith("error: Health on " + target + " failed: UNAVAILABLE");
  }
}
