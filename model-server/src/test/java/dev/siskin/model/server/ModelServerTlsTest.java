package dev.siskin.model.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.siskin.model.testing.IrisRows;
import dev.siskin.model.testing.MetricsScrape;
import dev.siskin.model.testing.PrometheusText;
import dev.siskin.model.testing.ReflectionClient;
import dev.siskin.model.testing.TlsModelServer;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import dev.siskin.testkit.KubernetesSecretDir;
import dev.siskin.testkit.RecordingTrust;
import dev.siskin.testkit.TestPki;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model server's gRPC port over TLS, on loopback, with real handshakes: TLS, mTLS and certificate reloads. */
class ModelServerTlsTest {
    @TempDir
    Path dir;

    private TestPki.Ca ca;
    private TestPki.Issued serverCert;
    private TlsModelServer server;
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeEach
    void issue() {
        ca = TestPki.newCa(dir, "ca");
        serverCert = ca.issueServer("server");
    }

    @AfterEach
    void stop() throws Exception {
        for (ManagedChannel channel : channels) {
            TlsModelServer.close(channel);
        }
        if (server != null) {
            server.close();
        }
    }

    private ManagedChannel channel(RecordingTrust trust, Optional<TestPki.Issued> clientCert) {
        ManagedChannel channel = server.channel(trust, clientCert);
        channels.add(channel);
        return channel;
    }

    private static ServingStatus health(ManagedChannel channel) {
        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    }

    private static String predict(ManagedChannel channel) {
        return PredictionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                .predict(IrisRows.seedRequest()).getPrediction();
    }

    private static void assertRefused(ManagedChannel channel) {
        assertThatThrownBy(() -> health(channel)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    /**
     * Waits until the server's key manager presents {@code serial} (at most {@code within}: the reload's promise),
     * then checks that a new connection's handshake really gets it.
     */
    private Duration awaitNewConnectionsSee(BigInteger serial, Optional<TestPki.Issued> clientCert, Duration within)
            throws Exception {
        long start = System.nanoTime();
        long deadline = start + within.toNanos();
        while (!serial.equals(server.tls.current().certificate().getSerialNumber())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the server still presents serial "
                        + server.tls.current().certificate().getSerialNumber() + ", not " + serial + ", after " + within);
            }
            Thread.sleep(10);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        RecordingTrust trust = RecordingTrust.of(ca);
        ManagedChannel channel = server.channel(trust, clientCert);
        try {
            assertThat(health(channel)).isEqualTo(ServingStatus.SERVING);
        } finally {
            TlsModelServer.close(channel);
        }
        assertThat(trust.serials()).as("a new connection " + took + " after the change").containsOnly(serial);
        return took;
    }

    @Test
    void predictHealthAndReflectionWorkOverTls() throws Exception {
        server = new TlsModelServer(serverCert.cert(), serverCert.key(), Optional.empty());
        RecordingTrust trust = RecordingTrust.of(ca);
        ManagedChannel channel = channel(trust, Optional.empty());

        assertThat(predict(channel)).isEqualTo("setosa");
        assertThat(health(channel)).isEqualTo(ServingStatus.SERVING);
        assertThat(ReflectionClient.listV1(channel)).containsExactlyInAnyOrderElementsOf(ReflectionClient.EXPECTED_SERVICES);
        assertThat(ReflectionClient.listV1alpha(channel))
                .containsExactlyInAnyOrderElementsOf(ReflectionClient.EXPECTED_SERVICES);
        assertThat(trust.serials()).containsOnly(serverCert.serial());

        PrometheusText metrics = MetricsScrape.scrape(server.metricsEndpoint.port());
        double expiry = metrics.value("siskin_model_tls_certificate_expiry_seconds", "file", "TLS_CERT");
        double expected = Duration.between(Instant.now(),
                serverCert.certificate().getNotAfter().toInstant()).toSeconds();
        assertThat(expiry).isBetween(expected - 60, expected + 1);
        assertThat(metrics.samples()).noneMatch(s -> s.labels().containsValue("TLS_CLIENT_CA"));
        assertThat(metrics.value("siskin_model_tls_reloads_total", "result", "ok")).isZero();
        assertThat(metrics.value("siskin_model_tls_reloads_total", "result", "error")).isZero();
    }

    @Test
    void aPlaintextClientAndOneThatDoesNotTrustTheCaAreRefused() throws Exception {
        server = new TlsModelServer(serverCert.cert(), serverCert.key(), Optional.empty());
        ManagedChannel plaintext = ManagedChannelBuilder.forTarget(server.target()).usePlaintext().build();
        channels.add(plaintext);
        assertRefused(plaintext);

        TestPki.Ca other = TestPki.newCa(dir, "other-ca");
        RecordingTrust trustsOther = RecordingTrust.of(other);
        assertRefused(channel(trustsOther, Optional.empty()));
        assertThat(trustsOther.serials()).as("certificates accepted").isEmpty();
    }

    @Test
    void withAClientCaOnlyClientsWithACertificateOfThatCaGetIn() throws Exception {
        server = new TlsModelServer(serverCert.cert(), serverCert.key(), Optional.of(ca.certFile()));
        TestPki.Issued good = ca.issueClient("router", "router");
        TestPki.Issued stranger = TestPki.newCa(dir, "other-ca").issueClient("stranger", "router");

        assertThat(predict(channel(RecordingTrust.of(ca), Optional.of(good)))).isEqualTo("setosa");
        assertRefused(channel(RecordingTrust.of(ca), Optional.empty()));
        assertRefused(channel(RecordingTrust.of(ca), Optional.of(stranger)));

        PrometheusText metrics = MetricsScrape.scrape(server.metricsEndpoint.port());
        double caExpiry = metrics.value("siskin_model_tls_certificate_expiry_seconds", "file", "TLS_CLIENT_CA");
        assertThat(caExpiry).isGreaterThan(Duration.ofDays(29).toSeconds());
    }

    @Test
    void aNewClientCaIsUsedForNewConnections() throws Exception {
        Path clientCa = dir.resolve("client-ca.crt");
        TestPki.replaceAtomically(clientCa, TestPki.pem(List.of(ca.certificate())));
        server = new TlsModelServer(serverCert.cert(), serverCert.key(), Optional.of(clientCa));
        TestPki.Ca next = TestPki.newCa(dir, "next-ca");
        TestPki.Issued oldClient = ca.issueClient("old", "router");
        TestPki.Issued newClient = next.issueClient("new", "router");
        assertThat(health(channel(RecordingTrust.of(ca), Optional.of(oldClient))))
                .isEqualTo(ServingStatus.SERVING);

        TestPki.replaceAtomically(clientCa, TestPki.pem(List.of(next.certificate())));
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        boolean newGetsIn = false;
        while (!newGetsIn && System.nanoTime() < deadline) {
            ManagedChannel channel = server.channel(RecordingTrust.of(ca), Optional.of(newClient));
            try {
                newGetsIn = health(channel) == ServingStatus.SERVING;
            } catch (StatusRuntimeException e) {
                Thread.sleep(50);
            } finally {
                TlsModelServer.close(channel);
            }
        }
        assertThat(newGetsIn).as("a client of the new CA got in within 2 s").isTrue();
        assertRefused(channel(RecordingTrust.of(ca), Optional.of(oldClient)));
    }

    /**
     * Two threads call without pause; each opens a new channel every 10 calls, so handshakes keep happening.
     * Meanwhile the files are replaced by a new pair of the same CA: new connections must see it within 2 s, a
     * connection opened before keeps its certificate and keeps working, and not one call fails.
     */
    @Test
    void rotationUnderLoadFailsNoCallAndNewConnectionsGetTheNewCertificateWithinASecondOrTwo() throws Exception {
        server = new TlsModelServer(serverCert.cert(), serverCert.key(), Optional.of(ca.certFile()));
        TestPki.Issued client = ca.issueClient("router", "router");
        RecordingTrust longLivedTrust = RecordingTrust.of(ca);
        ManagedChannel longLived = channel(longLivedTrust, Optional.of(client));
        assertThat(predict(longLived)).isEqualTo("setosa");

        RecordingTrust loadTrust = RecordingTrust.of(ca);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong calls = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        List<String> firstFailures = new CopyOnWriteArrayList<>();
        ExecutorService workers = Executors.newFixedThreadPool(2);
        List<Future<?>> running = new ArrayList<>();
        long workDeadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        for (int w = 0; w < 2; w++) {
            running.add(workers.submit(() -> {
                while (!stop.get() && calls.get() < 2_000 && System.nanoTime() < workDeadline) {
                    ManagedChannel channel = server.channel(loadTrust, Optional.of(client));
                    try {
                        for (int i = 0; i < 10; i++) {
                            calls.incrementAndGet();
                            try {
                                predict(channel);
                            } catch (StatusRuntimeException e) {
                                failures.incrementAndGet();
                                if (firstFailures.size() < 5) {
                                    firstFailures.add(e.getStatus().toString());
                                }
                            }
                        }
                    } finally {
                        channel.shutdown();
                        channel.awaitTermination(10, TimeUnit.SECONDS);
                    }
                }
                return null;
            }));
        }
        try {
            while (calls.get() < 100 && System.nanoTime() < workDeadline) {
                Thread.sleep(10);
            }
            TestPki.Issued rotated = ca.issueServer("server-2");
            rotated.copyTo(serverCert.cert(), serverCert.key());
            Duration took = awaitNewConnectionsSee(rotated.serial(), Optional.of(client), Duration.ofSeconds(2));
            long callsAtRotation = calls.get();
            while (calls.get() < callsAtRotation + 100 && System.nanoTime() < workDeadline) {
                Thread.sleep(10);
            }
            assertThat(loadTrust.serials()).as("the load's handshakes, after " + took).contains(rotated.serial());
        } finally {
            stop.set(true);
            for (Future<?> worker : running) {
                worker.get(30, TimeUnit.SECONDS);
            }
            workers.shutdown();
        }
        assertThat(failures.get()).as(calls.get() + " calls; first failures " + firstFailures).isZero();
        assertThat(calls.get()).isGreaterThanOrEqualTo(200);
        assertThat(loadTrust.serials()).contains(serverCert.serial());

        assertThat(predict(longLived)).as("a connection from before the rotation").isEqualTo("setosa");
        assertThat(longLivedTrust.serials()).containsExactly(serverCert.serial());
        assertThat(MetricsScrape.scrape(server.metricsEndpoint.port())
                .value("siskin_model_tls_reloads_total", "result", "ok")).isEqualTo(1.0);
    }

    @Test
    void aBrokenPairIsRejectedAndTheLastGoodOneKeepsServing() throws Exception {
        server = new TlsModelServer(serverCert.cert(), serverCert.key(), Optional.empty());
        TestPki.Issued other = ca.issueServer("other");
        TestPki.replaceAtomically(serverCert.key(), other.keyPem());
        awaitReloadErrors(1);

        RecordingTrust trust = RecordingTrust.of(ca);
        assertThat(predict(channel(trust, Optional.empty()))).isEqualTo("setosa");
        assertThat(trust.serials()).containsOnly(serverCert.serial());
        assertThat(server.tls.current().certificate().getSerialNumber()).isEqualTo(serverCert.serial());

        // Garbage is rejected the same way; a good pair after it is taken.
        TestPki.replaceAtomically(serverCert.cert(), "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
        awaitReloadErrors(2);
        assertThat(predict(channel(RecordingTrust.of(ca), Optional.empty()))).isEqualTo("setosa");
        TestPki.Issued next = ca.issueServer("next");
        next.copyTo(serverCert.cert(), serverCert.key());
        awaitNewConnectionsSee(next.serial(), Optional.empty(), Duration.ofSeconds(2));
    }

    private void awaitReloadErrors(double expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        double errors;
        do {
            Thread.sleep(50);
            errors = MetricsScrape.scrape(server.metricsEndpoint.port())
                    .value("siskin_model_tls_reloads_total", "result", "error");
        } while (errors < expected && System.nanoTime() < deadline);
        assertThat(errors).as("rejected reloads").isEqualTo(expected);
    }

    @Test
    void aKubernetesSecretUpdateReachesNewConnections() throws Exception {
        KubernetesSecretDir secret = KubernetesSecretDir.create(dir.resolve("secret"), Map.of(
                "tls.crt", serverCert.certPem(), "tls.key", serverCert.keyPem(), "ca.crt",
                TestPki.pem(List.of(ca.certificate()))));
        server = new TlsModelServer(secret.file("tls.crt"), secret.file("tls.key"),
                Optional.of(secret.file("ca.crt")));
        TestPki.Issued client = ca.issueClient("router", "router");
        RecordingTrust before = RecordingTrust.of(ca);
        assertThat(predict(channel(before, Optional.of(client)))).isEqualTo("setosa");
        assertThat(before.serials()).containsOnly(serverCert.serial());

        TestPki.Issued rotated = ca.issueServer("server-2");
        secret.publish(Map.of("tls.crt", rotated.certPem(), "tls.key", rotated.keyPem(), "ca.crt",
                TestPki.pem(List.of(ca.certificate()))));
        awaitNewConnectionsSee(rotated.serial(), Optional.of(client), Duration.ofSeconds(2));
        RecordingTrust after = RecordingTrust.of(ca);
        assertThat(predict(channel(after, Optional.of(client)))).isEqualTo("setosa");
        assertThat(after.serials()).containsOnly(rotated.serial());
    }
}
