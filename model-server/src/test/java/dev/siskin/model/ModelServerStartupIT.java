package dev.siskin.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.model.testing.ModelServerProcess;
import dev.siskin.testkit.TestPki;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real jar refuses to start on bad input with exactly one clear line and exit status 2. */
class ModelServerStartupIT {

    @Test
    void missingModelFileStopsItWithOneClearLine() throws Exception {
        assertFailsWith(Map.of("MODEL_PATH", "models/iris-v9.9.9.tribuo", "PORT", "0"),
                "model-server: cannot start: model file models/iris-v9.9.9.tribuo not found "
                        + "(set MODEL_PATH to a .tribuo file; see models/)");
    }

    @Test
    void versionThatDoesNotMatchTheMetadataStopsIt() throws Exception {
        assertFailsWith(Map.of("MODEL_PATH", "models/iris-v1.0.0.tribuo", "MODEL_VERSION", "v2.0.0", "PORT", "0"),
                "model-server: cannot start: MODEL_VERSION v2.0.0 does not match version v1.0.0 in "
                        + "models/iris-v1.0.0.conf (unset MODEL_VERSION or point MODEL_PATH at the v2.0.0 model)");
    }

    @Test
    void invalidFaultSettingStopsIt() throws Exception {
        assertFailsWith(Map.of("MODEL_PATH", "models/iris-v1.0.0.tribuo", "PORT", "0", "FAULT_ERROR_RATE", "1.5"),
                "model-server: cannot start: FAULT_ERROR_RATE=1.5 is not a rate (expected: a number from 0 to 1, "
                        + "e.g. 0.3 fails 30 % of Predict calls)");
    }

    @Test
    void invalidWrongRateStopsIt() throws Exception {
        assertFailsWith(Map.of("MODEL_PATH", "models/iris-v1.0.0.tribuo", "PORT", "0", "FAULT_WRONG_RATE", "0.3x"),
                "model-server: cannot start: FAULT_WRONG_RATE=0.3x is not a rate (expected: a number from 0 to 1, "
                        + "e.g. 0.3 gives 30 % of Predict answers another species than the model's)");
    }

    @Test
    void aTlsCertificateWithoutItsKeyStopsIt(@TempDir Path dir) throws Exception {
        TestPki.Issued server = TestPki.newCa(dir, "ca").issueServer("server");
        assertFailsWith(Map.of("MODEL_PATH", "models/iris-v1.0.0.tribuo", "PORT", "0", "TLS_CERT", server.cert().toString()),
                "model-server: cannot start: TLS_CERT is set but TLS_KEY is not (set both to serve TLS: the certificate "
                        + "chain and its private key as PEM files; or neither for plaintext)");
    }

    @Test
    void aClientCaWithoutTlsStopsIt(@TempDir Path dir) throws Exception {
        TestPki.Ca ca = TestPki.newCa(dir, "ca");
        assertFailsWith(Map.of("MODEL_PATH", "models/iris-v1.0.0.tribuo", "PORT", "0", "TLS_CLIENT_CA",
                ca.certFile().toString()), "model-server: cannot start: TLS_CLIENT_CA is set but TLS_CERT and TLS_KEY "
                + "are not (client certificates are checked on a TLS port only: set both as well, or unset TLS_CLIENT_CA)");
    }

    @Test
    void aKeyThatDoesNotMatchTheCertificateStopsIt(@TempDir Path dir) throws Exception {
        TestPki.Ca ca = TestPki.newCa(dir, "ca");
        TestPki.Issued server = ca.issueServer("server");
        TestPki.Issued other = ca.issueServer("other");
        assertFailsWith(Map.of("MODEL_PATH", "models/iris-v1.0.0.tribuo", "PORT", "0",
                "TLS_CERT", server.cert().toString(), "TLS_KEY", other.key().toString()),
                "model-server: cannot start: TLS_KEY=" + other.key() + ": the private key does not belong to the "
                        + "certificate in TLS_CERT=" + server.cert() + " (subject CN=server, serial "
                        + server.serialHex() + ")");
    }

    @Test
    void anUnreadableClientCaStopsIt(@TempDir Path dir) throws Exception {
        TestPki.Issued server = TestPki.newCa(dir, "ca").issueServer("server");
        Path missing = dir.resolve("no-such-ca.crt");
        assertFailsWith(Map.of("MODEL_PATH", "models/iris-v1.0.0.tribuo", "PORT", "0",
                "TLS_CERT", server.cert().toString(), "TLS_KEY", server.key().toString(),
                "TLS_CLIENT_CA", missing.toString()),
                "model-server: cannot start: TLS_CLIENT_CA=" + missing + ": cannot read it: no such file");
    }

    private static void assertFailsWith(Map<String, String> env, String message) throws Exception {
        try (ModelServerProcess server = ModelServerProcess.start(env)) {
            assertThat(server.awaitExit(Duration.ofSeconds(60))).isEqualTo(2);
            List<String> lines = server.lines();
            assertThat(lines).as("output").hasSize(1);
            assertThat(lines.get(0)).contains(" ERROR ").endsWith(message);
        }
    }
}
