package dev.siskin.model.server;

import dev.siskin.model.load.LoadedModel;
import dev.siskin.proto.HealthServiceGrpc;
import dev.siskin.proto.v1.HealthResponse;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The serving status behind all three health endpoints: {@code grpc.health.v1.Health},
 * {@code mlservice.v1.PredictionService/Health} and the package-less {@code HealthService/Health}.
 *
 * <p>Starts NOT_SERVING; {@link #markServing()} once the server listens; {@link #markDraining()} on shutdown, after
 * which nothing can turn it back. Thread-safe: the flags are volatile/atomic and {@link HealthStatusManager} is thread-safe.
 */
public final class ServingHealth {
    /** Names checked by grpc.health.v1 clients: "" is the whole server. */
    private static final String[] SERVICE_NAMES = {
        "", PredictionServiceGrpc.SERVICE_NAME, HealthServiceGrpc.SERVICE_NAME
    };

    private final HealthStatusManager grpcHealth = new HealthStatusManager();
    private final HealthResponse serving;
    private final HealthResponse notServing;
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile boolean started;

    public ServingHealth(LoadedModel model) {
        HealthResponse.Builder base = HealthResponse.newBuilder()
                .setModelVersion(model.version())
                .setModelSha256(model.sha256());
        serving = base.setStatus(ServingStatus.SERVING.name()).build();
        notServing = base.setStatus(ServingStatus.NOT_SERVING.name()).build();
        for (String name : SERVICE_NAMES) {
            grpcHealth.setStatus(name, ServingStatus.NOT_SERVING);
        }
    }

    public void markServing() {
        for (String name : SERVICE_NAMES) {
            grpcHealth.setStatus(name, ServingStatus.SERVING);
        }
        started = true;
    }

    /** Turns every endpoint NOT_SERVING for good: the server is going away. Idempotent. */
    public void markDraining() {
        if (draining.compareAndSet(false, true)) {
            grpcHealth.enterTerminalState();
        }
    }

    public boolean isServing() {
        return started && !draining.get();
    }

    /** The answer of the two mlservice-style Health methods. */
    public HealthResponse response() {
        return isServing() ? serving : notServing;
    }

    public BindableService grpcHealthService() {
        return grpcHealth.getHealthService();
    }
}
