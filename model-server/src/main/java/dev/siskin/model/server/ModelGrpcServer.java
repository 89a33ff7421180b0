package dev.siskin.model.server;

import dev.siskin.model.fault.FaultInjector;
import dev.siskin.model.load.LoadedModel;
import dev.siskin.model.metrics.ModelMetrics;
import dev.siskin.model.predict.IrisClassifier;
import dev.siskin.tls.ReloadingTls;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The model server's gRPC server: PredictionService, the package-less HealthService, grpc.health.v1 and server
 * reflection v1 and v1alpha, over one loaded model. Lifecycle: {@link #start}, then {@link #drain} once.
 */
public final class ModelGrpcServer {
    private final Server server;
    private final ServingHealth health;
    private final ScheduledExecutorService delayer;

    private ModelGrpcServer(Server server, ServingHealth health, ScheduledExecutorService delayer) {
        this.server = server;
        this.health = health;
        this.delayer = delayer;
    }

    /** Stream resets a client may send per {@link #RST_WINDOW_SECONDS} before its connection is closed. */
    static final int MAX_RST_FRAMES = 1000;
    static final int RST_WINDOW_SECONDS = 10;

    /** A plaintext server builder on all interfaces at {@code port} (0 = a free port). */
    public static ServerBuilder<?> onPort(int port, Duration keepAlivePermitTime) {
        return onAddress(Optional.empty(), port, keepAlivePermitTime);
    }

    /** A plaintext server builder on {@code host} (empty = all interfaces) at {@code port} (0 = a free port). */
    public static ServerBuilder<?> onAddress(Optional<InetAddress> host, int port, Duration keepAlivePermitTime) {
        return onAddress(host, port, keepAlivePermitTime, InsecureServerCredentials.create());
    }

    /** A server builder with {@code credentials} ({@link #tlsCredentials} for TLS) on {@code host} at {@code port}. */
    public static ServerBuilder<?> onAddress(Optional<InetAddress> host, int port, Duration keepAlivePermitTime,
            ServerCredentials credentials) {
        InetSocketAddress address =
                host.map(h -> new InetSocketAddress(h, port)).orElseGet(() -> new InetSocketAddress(port));
        return NettyServerBuilder.forAddress(address, credentials)
                .permitKeepAliveTime(keepAlivePermitTime.toNanos(), TimeUnit.NANOSECONDS)
                .permitKeepAliveWithoutCalls(true)
                // HTTP/2 rapid reset (CVE-2023-44487): a client resetting more than this many streams in the
                // window gets GOAWAY ENHANCE_YOUR_CALM; grpc-java leaves it off by default. The router's limit.
                .maxRstFramesPerWindow(MAX_RST_FRAMES, RST_WINDOW_SECONDS);
    }

    /**
     * TLS only (ALPN h2), presenting the certificate {@code tls} serves at each new handshake; with a trust file,
     * a client certificate signed by one of its CAs is required (none, or another CA's, fails the handshake).
     */
    public static ServerCredentials tlsCredentials(ReloadingTls tls) {
        TlsServerCredentials.Builder builder = TlsServerCredentials.newBuilder().keyManager(tls.keyManager());
        tls.peerTrustManager().ifPresent(trust -> builder.trustManager(trust)
                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE));
        return builder.build();
    }

    /**
     * Adds the services to {@code builder}, starts it and reports serving ({@code ok}, grpc.health.v1 SERVING).
     *
     * @throws IOException if the server cannot bind its port
     */
    @SuppressWarnings("deprecation") // ProtoReflectionService is v1alpha, still what older grpcurl versions call
    public static ModelGrpcServer start(ServerBuilder<?> builder, LoadedModel model, FaultInjector faults,
            ModelMetrics metrics) throws IOException {
        ServingHealth health = new ServingHealth(model);
        ScheduledExecutorService delayer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "fault-delay");
            thread.setDaemon(true);
            return thread;
        });
        Server server = builder
                .addService(new PredictionServiceImpl(new IrisClassifier(model.model()), model.trainingRanges(),
                        model.version(), health, faults, metrics, delayer))
                .addService(new LegacyHealthService(health))
                .addService(health.grpcHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .addService(ProtoReflectionService.newInstance())
                .build();
        try {
            server.start();
        } catch (IOException e) {
            delayer.shutdownNow();
            throw e;
        }
        health.markServing();
        return new ModelGrpcServer(server, health, delayer);
    }

    /** The bound port; -1 for an in-process server. */
    public int port() {
        return server.getPort();
    }

    public ServingHealth health() {
        return health;
    }

    /**
     * Stops gracefully: health turns {@code draining} (grpc.health.v1 NOT_SERVING), new calls are still accepted
     * for {@code grace}, then refused, and in-flight calls get {@code timeout} to finish before they are cancelled.
     *
     * @return true if every in-flight call finished within {@code timeout}
     */
    public boolean drain(Duration grace, Duration timeout) throws InterruptedException {
        health.markDraining();
        Thread.sleep(grace.toMillis());
        server.shutdown();
        boolean finished = server.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (!finished) {
            shutdownNow();
        }
        delayer.shutdownNow();
        return finished;
    }

    /** Stops at once, cancelling in-flight calls. */
    public void shutdownNow() throws InterruptedException {
        health.markDraining();
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
        delayer.shutdownNow();
    }
}
