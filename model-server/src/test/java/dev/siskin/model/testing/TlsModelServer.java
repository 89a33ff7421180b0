package dev.siskin.model.testing;

import dev.siskin.model.fault.FaultInjector;
import dev.siskin.model.load.LoadedModel;
import dev.siskin.model.load.ModelLoader;
import dev.siskin.model.metrics.MetricsEndpoint;
import dev.siskin.model.metrics.ModelMetrics;
import dev.siskin.model.server.ModelGrpcServer;
import dev.siskin.testkit.RecordingTrust;
import dev.siskin.testkit.TestPki;
import dev.siskin.tls.ReloadingTls;
import dev.siskin.tls.TlsMetrics;
import dev.siskin.tls.TlsFile;
import dev.siskin.tls.TlsFiles;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A model server serving TLS on a loopback port, wired as ModelServerMain wires it (ReloadingTls checking every
 * second, TlsMetrics on a metrics endpoint), with TLS channels to it. Closing stops the server, the watching and
 * the endpoint.
 */
public final class TlsModelServer implements AutoCloseable {
    public final ModelMetrics metrics;
    public final ReloadingTls tls;
    public final ModelGrpcServer server;
    public final MetricsEndpoint metricsEndpoint;

    /** Serves {@code cert}/{@code key}; with {@code clientCa}, requires client certificates signed by it. */
    public TlsModelServer(Path cert, Path key, Optional<Path> clientCa) throws Exception {
        LoadedModel model = ModelLoader.load(Repo.model("v1.0.0"), Optional.of("v1.0.0"));
        metrics = new ModelMetrics(model.version(), model.sha256());
        TlsMetrics tlsMetrics = new TlsMetrics(metrics.registry(), "siskin_model");
        tls = ReloadingTls.start("model-server", new TlsFiles(new TlsFile("TLS_CERT", cert),
                new TlsFile("TLS_KEY", key), clientCa.map(ca -> new TlsFile("TLS_CLIENT_CA", ca))),
                Duration.ofSeconds(1), tlsMetrics,
                io.grpc.util.AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION);
        tlsMetrics.follow(tls);
        server = ModelGrpcServer.start(ModelGrpcServer.onAddress(Optional.of(InetAddress.getLoopbackAddress()), 0,
                Duration.ofSeconds(5), ModelGrpcServer.tlsCredentials(tls)), model, FaultInjector.DISABLED, metrics);
        metricsEndpoint = MetricsEndpoint.start(metrics, Optional.of(InetAddress.getLoopbackAddress()), 0);
    }

    /** {@code 127.0.0.1:PORT}: the server certificates of {@link TestPki} name that address. */
    public String target() {
        return "127.0.0.1:" + server.port();
    }

    /** A new TLS channel (so a new handshake on its first call) trusting {@code trust}, with a client certificate. */
    public ManagedChannel channel(RecordingTrust trust, Optional<TestPki.Issued> clientCert) {
        return channel(target(), trust, clientCert);
    }

    /** A TLS channel to {@code target}, trusting {@code trust}, with a client certificate if given. */
    public static ManagedChannel channel(String target, RecordingTrust trust,
            Optional<TestPki.Issued> clientCert) {
        TlsChannelCredentials.Builder credentials = TlsChannelCredentials.newBuilder().trustManager(trust.manager());
        if (clientCert.isPresent()) {
            try {
                credentials.keyManager(clientCert.get().cert().toFile(), clientCert.get().key().toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Grpc.newChannelBuilder(target, credentials.build()).build();
    }

    public static void close(ManagedChannel channel) throws InterruptedException {
        channel.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        server.shutdownNow();
        tls.close();
        metricsEndpoint.close();
    }
}
