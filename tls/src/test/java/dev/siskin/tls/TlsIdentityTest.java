package dev.siskin.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.siskin.testkit.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsIdentityTest {
    @TempDir
    Path dir;

    private TestPki.Ca ca;
    private TestPki.Issued server;

    @BeforeEach
    void issue() {
        ca = TestPki.newCa(dir, "ca");
        server = ca.issueServer("server");
    }

    private static TlsFiles files(Path cert, Path key, Path trust) {
        return new TlsFiles(new TlsFile("TLS_CERT", cert), new TlsFile("TLS_KEY", key),
                Optional.ofNullable(trust).map(t -> new TlsFile("TLS_CLIENT_CA", t)));
    }

    private static TlsIdentity load(TlsFiles files) throws TlsFileException {
        return TlsIdentity.load(files, TlsIdentity.read(files), Instant.now());
    }

    @Test
    void loadsTheChainItsKeyAndTheTrustedCa() throws Exception {
        TlsIdentity identity = load(files(server.cert(), server.key(), ca.certFile()));
        assertThat(identity.certificate().getSerialNumber()).isEqualTo(server.serial());
        assertThat(identity.chain()).hasSize(2);
        assertThat(identity.trusted()).containsExactly(ca.certificate());
        assertThat(identity.chainExpiry()).isEqualTo(server.certificate().getNotAfter().toInstant());
        assertThat(identity.trustExpiry()).contains(ca.certificate().getNotAfter().toInstant());
        assertThat(identity.describe()).startsWith("subject CN=server, serial " + server.serialHex()).contains(", expires 20");
    }

    @Test
    void rsaKeysWorkToo() throws Exception {
        TestPki.Issued rsa = ca.issue(new TestPki.Request("rsa", "CN=rsa", TestPki.LOOPBACK_NAMES, true,
                Duration.ofDays(1), TestPki.KeyType.RSA));
        assertThat(load(files(rsa.cert(), rsa.key(), null)).key().getAlgorithm()).isEqualTo("RSA");
    }

    @Test
    void aKeyOfAnotherCertificateIsRefusedNamingBothFiles() {
        TestPki.Issued other = ca.issueServer("other");
        assertThatThrownBy(() -> load(files(server.cert(), other.key(), null)))
                .isInstanceOf(TlsFileException.class)
                .hasMessage("TLS_KEY=" + other.key() + ": the private key does not belong to the certificate in "
                        + "TLS_CERT=" + server.cert() + " (subject CN=server, serial "
                        + server.serialHex() + ")");
    }

    @Test
    void anRsaKeyForAnEcCertificateIsAMismatchToo() {
        TestPki.Issued rsa = ca.issue(new TestPki.Request("rsa", "CN=rsa", List.of(), true, Duration.ofDays(1),
                TestPki.KeyType.RSA));
        assertThatThrownBy(() -> load(files(server.cert(), rsa.key(), null)))
                .hasMessageEndingWith(": an RSA key for an EC certificate");
    }

    @Test
    void swappedFilesAreCalledThat() {
        assertThatThrownBy(() -> load(files(server.key(), server.cert(), null)))
                .hasMessage("TLS_CERT=" + server.key() + ": holds a private key; expected certificates "
                        + "(-----BEGIN CERTIFICATE-----) here (are the certificate and key files swapped?)");
    }

    @Test
    void aTraditionalFormatKeyGetsTheConversionCommand() throws Exception {
        Path key = dir.resolve("pkcs1.key");
        Files.writeString(key, server.keyPem().replace("PRIVATE KEY", "EC PRIVATE KEY"));
        assertThatThrownBy(() -> load(files(server.cert(), key, null)))
                .hasMessageContaining("TLS_KEY=" + key + ": holds an EC key in the traditional format; expected PKCS#8")
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
    }

    @Test
    void anEncryptedKeyIsRefused() throws Exception {
        Path key = dir.resolve("encrypted.key");
        Files.writeString(key, server.keyPem().replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"));
        assertThatThrownBy(() -> load(files(server.cert(), key, null))).hasMessageContaining("the key is encrypted");
    }

    @Test
    void missingEmptyAndNonPemFilesAreNamed() throws Exception {
        Path missing = dir.resolve("missing.crt");
        assertThatThrownBy(() -> load(files(missing, server.key(), null)))
                .hasMessage("TLS_CERT=" + missing + ": cannot read it: no such file");
        Path empty = Files.createFile(dir.resolve("empty.key"));
        assertThatThrownBy(() -> load(files(server.cert(), empty, null)))
                .hasMessage("TLS_KEY=" + empty + ": the file is empty (expected PEM)");
        Path text = Files.writeString(dir.resolve("ca.txt"), "not a certificate\n");
        assertThatThrownBy(() -> load(files(server.cert(), server.key(), text)))
                .hasMessage("TLS_CLIENT_CA=" + text + ": not a PEM file (no -----BEGIN ...----- block)");
        assertThatThrownBy(() -> load(files(server.cert(), server.key(), dir)))
                .hasMessage("TLS_CLIENT_CA=" + dir + ": is a directory, not a PEM file");
    }

    @Test
    void anExpiredCertificateIsRefused() {
        TlsFiles files = files(server.cert(), server.key(), null);
        Instant later = server.certificate().getNotAfter().toInstant().plusSeconds(1);
        assertThatThrownBy(() -> TlsIdentity.load(files, TlsIdentity.read(files), later))
                .hasMessage("TLS_CERT=" + server.cert() + ": certificate CN=server (serial "
                        + server.serialHex() + ") expired at "
                        + server.certificate().getNotAfter().toInstant());
    }
}
