package dev.siskin.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.siskin.model.testing.IrisRows;
import dev.siskin.model.testing.MetricsScrape;
import dev.siskin.model.testing.ModelServerProcess;
import dev.siskin.model.testing.PrometheusText;
import dev.siskin.model.testing.TlsModelServer;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import dev.siskin.testkit.RecordingTrust;
import dev.siskin.testkit.TestPki;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real jar with TLS_CERT, TLS_KEY and TLS_CLIENT_CA: mTLS over a socket, metrics, a rotation, a stop. */
class TlsJarIT {
    @TempDir
    Path dir;

    private static String predict(ManagedChannel channel) {
        return PredictionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .predict(IrisRows.seedRequest()).getPrediction();
    }

    /** The serial a new connection's handshake gets. */
    private static BigInteger serialOfANewConnection(String target, TestPki.Ca ca, TestPki.Issued client)
            throws InterruptedException {
        RecordingTrust trust = RecordingTrust.of(ca);
        ManagedChannel channel = TlsModelServer.channel(target, trust, Optional.of(client));
        try {
            assertThat(HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);
        } finally {
            TlsModelServer.close(channel);
        }
        return trust.lastSerial();
    }

    @Test
    void servesMutualTlsReportsExpiryFollowsARotationAndStopsCleanly() throws Exception {
        TestPki.Ca ca = TestPki.newCa(dir, "ca");
        TestPki.Issued serverCert = ca.issueServer("server");
        TestPki.Issued client = ca.issueClient("router", "router");
        TestPki.Issued stranger = TestPki.newCa(dir, "other-ca").issueClient("stranger", "router");
        try (ModelServerProcess server = ModelServerProcess.start(Map.of("MODEL_PATH", "models/iris-v1.0.0.tribuo",
                "PORT", "0", "METRICS_PORT", "0", "HOST", "127.0.0.1", "DRAIN_GRACE_MS", "200",
                "TLS_CERT", serverCert.cert().toString(), "TLS_KEY", serverCert.key().toString(),
                "TLS_CLIENT_CA", ca.certFile().toString()))) {
            String target = "127.0.0.1:" + server.awaitGrpcPort();
            int metricsPort = server.awaitMetricsPort();
            assertThat(server.lines()).filteredOn(l -> l.contains(" INFO ")).first().asString()
                    .contains(", TLS with subject CN=server, serial " + serverCert.serialHex())
                    .contains("(TLS_CERT=" + serverCert.cert() + "), client certificates signed by TLS_CLIENT_CA="
                            + ca.certFile() + " required");

            ManagedChannel good = TlsModelServer.channel(target, RecordingTrust.of(ca), Optional.of(client));
            ManagedChannel none = TlsModelServer.channel(target, RecordingTrust.of(ca), Optional.empty());
            ManagedChannel wrong = TlsModelServer.channel(target, RecordingTrust.of(ca),
                    Optional.of(stranger));
            try {
                assertThat(predict(good)).isEqualTo("setosa");
                for (ManagedChannel refused : new ManagedChannel[] {none, wrong}) {
                    assertThatThrownBy(() -> predict(refused)).isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
                }
            } finally {
                TlsModelServer.close(good);
                TlsModelServer.close(none);
                TlsModelServer.close(wrong);
            }

            PrometheusText metrics = MetricsScrape.scrape(metricsPort);
            assertThat(metrics.value("siskin_model_tls_certificate_expiry_seconds", "file", "TLS_CERT"))
                    .isBetween((double) Duration.ofHours(23).toSeconds(), (double) Duration.ofDays(1).toSeconds());
            assertThat(metrics.value("siskin_model_tls_certificate_expiry_seconds", "file", "TLS_CLIENT_CA"))
                    .isGreaterThan(Duration.ofDays(29).toSeconds());

            TestPki.Issued rotated = ca.issueServer("server-2");
            rotated.copyTo(serverCert.cert(), serverCert.key());
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            BigInteger seen = serialOfANewConnection(target, ca, client);
            while (!rotated.serial().equals(seen) && System.nanoTime() < deadline) {
                Thread.sleep(50);
                seen = serialOfANewConnection(target, ca, client);
            }
            assertThat(seen).as("serial of a new connection after the rotation").isEqualTo(rotated.serial());
            assertThat(server.output()).contains("model-server: TLS files reloaded: subject CN=server-2, serial "
                    + rotated.serialHex());
            assertThat(MetricsScrape.scrape(metricsPort).value("siskin_model_tls_reloads_total", "result", "ok"))
                    .isEqualTo(1.0);

            server.terminate();
            assertThat(server.awaitExit(Duration.ofSeconds(60))).as(server.output()).isZero();
            assertThat(server.output()).doesNotContain(" ERROR ");
        }
    }
}
