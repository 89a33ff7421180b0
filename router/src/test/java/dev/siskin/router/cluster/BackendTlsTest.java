package dev.siskin.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.siskin.router.config.BackendTlsSettings;
import dev.siskin.testkit.TestPki;
import dev.siskin.tls.TlsFile;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A backend's TLS: the name its certificate must carry, and files checked when it is opened. */
class BackendTlsTest {
  @TempDir
  Path dir;

  @Test
  void theServerNameIsTheAuthorityElseTheTargetsHost() throws Exception {
    assertThat(BackendTls.host("model-v2:50051")).isEqualTo("model-v2");
    assertThat(BackendTls.host("dns:///model-v2.models.svc:50051")).isEqualTo("model-v2.models.svc");
    assertThat(BackendTls.host("127.0.0.1:50052")).isEqualTo("127.0.0.1");
    assertThat(BackendTls.host("[::1]:50052")).isEqualTo("::1");
    TestPki.Ca ca = TestPki.newCa(dir, "ca");
    Optional<TlsFile> caFile = Optional.of(new TlsFile("backends.v1.tls.ca", ca.certFile()));
    try (BackendTls tls = BackendTls.open("v1", "dns:///model-v1:50051",
        new BackendTlsSettings(caFile, Optional.empty(), Optional.empty(), ""))) {
      assertThat(tls.serverName()).isEqualTo("model-v1");
      assertThat(tls.authorityOverride()).isNull();
    }
    try (BackendTls tls = BackendTls.open("v1", "10.0.0.7:50051",
        new BackendTlsSettings(caFile, Optional.empty(), Optional.empty(), "model.internal"))) {
      assertThat(tls.serverName()).isEqualTo("model.internal");
      assertThat(tls.authorityOverride()).isEqualTo("model.internal");
    }
  }

  @Test
  void aMissingCaOrAKeyOfAnotherCertificateIsNamedWhenTheBackendOpens() throws Exception {
    assertThatThrownBy(() -> BackendTls.open("v1", "h:1", new BackendTlsSettings(
        Optional.of(new TlsFile("backends.v1.tls.ca", dir.resolve("missing.crt"))), Optional.empty(),
        Optional.empty(), "")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("backends.v1.tls.ca=" + dir.resolve("missing.crt") + ": cannot read it");
    TestPki.Ca ca = TestPki.newCa(dir, "ca");
    TestPki.Issued one = ca.issueClient("one", "router");
    TestPki.Issued two = ca.issueClient("two", "router");
    assertThatThrownBy(() -> BackendTls.open("v1", "h:1", new BackendTlsSettings(Optional.empty(),
        Optional.of(new TlsFile("backends.v1.tls.cert", one.cert())),
        Optional.of(new TlsFile("backends.v1.tls.key", two.key())), "")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("backends.v1.tls.key=" + two.key())
        .hasMessageContaining("does not belong to the certificate");
  }
}
