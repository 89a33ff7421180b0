package dev.siskin.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.testkit.KubernetesSecretDir;
import dev.siskin.testkit.TestPki;
import io.grpc.util.AdvancedTlsX509TrustManager.Verification;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watching itself, without a TLS stack: what the key manager presents after the files change. The period is
 * long (30 s), so every reload seen within the tests' 2 s comes from a change event, not from the fallback check.
 */
class ReloadingTlsTest {
    private static final Duration LONG_PERIOD = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final BlockingQueue<Object> outcomes = new LinkedBlockingQueue<>();
    private final ReloadingTls.Listener listener = new ReloadingTls.Listener() {
        @Override
        public void reloaded(TlsIdentity identity) {
            outcomes.add(identity);
        }

        @Override
        public void rejected(TlsFileException error) {
            outcomes.add(error);
        }
    };
    private TestPki.Ca ca;
    private ReloadingTls tls;

    @BeforeEach
    void issue() {
        ca = TestPki.newCa(dir, "ca");
    }

    @AfterEach
    void close() {
        if (tls != null) {
            tls.close();
        }
    }

    private ReloadingTls start(Path cert, Path key, Duration period) throws TlsFileException {
        tls = ReloadingTls.start("test", new TlsFiles(new TlsFile("TLS_CERT", cert), new TlsFile("TLS_KEY", key),
                Optional.of(new TlsFile("TLS_CLIENT_CA", ca.certFile()))), period, listener,
                Verification.CERTIFICATE_ONLY_VERIFICATION);
        return tls;
    }

    private BigInteger presented() {
        String alias = tls.keyManager().chooseEngineServerAlias("EC", null, null);
        return tls.keyManager().getCertificateChain(alias)[0].getSerialNumber();
    }

    private Object nextOutcome() throws InterruptedException {
        Object outcome = outcomes.poll(2, TimeUnit.SECONDS);
        assertThat(outcome).as("a reload outcome within 2 s").isNotNull();
        return outcome;
    }

    @Test
    void aNewPairWrittenOverTheFilesIsPresentedWithinASecondOrTwo() throws Exception {
        TestPki.Issued first = ca.issueServer("server");
        start(first.cert(), first.key(), LONG_PERIOD);
        assertThat(presented()).isEqualTo(first.serial());
        assertThat(tls.peerTrustManager()).isPresent();

        TestPki.Issued second = ca.issueServer("server-2");
        second.copyTo(first.cert(), first.key());
        assertThat(nextOutcome()).isInstanceOfSatisfying(TlsIdentity.class,
                identity -> assertThat(identity.certificate().getSerialNumber()).isEqualTo(second.serial()));
        assertThat(presented()).isEqualTo(second.serial());
        assertThat(tls.current().certificate().getSerialNumber()).isEqualTo(second.serial());
    }

    @Test
    void aBrokenPairIsReportedOnceAndTheLastGoodOneKeepsServing() throws Exception {
        TestPki.Issued first = ca.issueServer("server");
        start(first.cert(), first.key(), Duration.ofMillis(200));
        TestPki.Issued stranger = ca.issueServer("stranger");
        TestPki.replaceAtomically(first.key(), stranger.keyPem());

        assertThat(nextOutcome()).isInstanceOfSatisfying(TlsFileException.class, e -> {
            assertThat(e.file().setting()).isEqualTo("TLS_KEY");
            assertThat(e.reason()).startsWith("the private key does not belong to the certificate in TLS_CERT=");
        });
        assertThat(presented()).isEqualTo(first.serial());
        // The periodic check (every 200 ms here) sees the same broken content again: no second report.
        assertThat(outcomes.poll(1, TimeUnit.SECONDS)).isNull();

        TestPki.replaceAtomically(first.key(), first.keyPem());
        assertThat(nextOutcome()).isInstanceOf(TlsIdentity.class);
        assertThat(presented()).isEqualTo(first.serial());
    }

    @Test
    void aKubernetesSecretSwapIsFollowed() throws Exception {
        TestPki.Issued first = ca.issueServer("server");
        KubernetesSecretDir secret = KubernetesSecretDir.create(dir.resolve("secret"),
                Map.of("tls.crt", first.certPem(), "tls.key", first.keyPem()));
        start(secret.file("tls.crt"), secret.file("tls.key"), LONG_PERIOD);
        assertThat(presented()).isEqualTo(first.serial());

        TestPki.Issued second = ca.issueServer("server-2");
        secret.publish(Map.of("tls.crt", second.certPem(), "tls.key", second.keyPem()));
        assertThat(nextOutcome()).isInstanceOf(TlsIdentity.class);
        assertThat(presented()).isEqualTo(second.serial());

        TestPki.Issued third = ca.issueServer("server-3");
        secret.publish(Map.of("tls.crt", third.certPem(), "tls.key", third.keyPem()));
        assertThat(nextOutcome()).isInstanceOf(TlsIdentity.class);
        assertThat(presented()).isEqualTo(third.serial());
    }

    @Test
    void touchingTheFilesIsNoReload() throws Exception {
        TestPki.Issued first = ca.issueServer("server");
        start(first.cert(), first.key(), Duration.ofMillis(200));
        Files.setLastModifiedTime(first.cert(), FileTime.from(Instant.now().plusSeconds(5)));
        Files.writeString(first.key(), first.keyPem());
        assertThat(outcomes.poll(1, TimeUnit.SECONDS)).isNull();
    }
}
