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
 * <p>The two mlservice-style methods answer the seed's words: {@value #OK} while serving, {@value #DRAINING} once
 * shutdown began, {@value #STARTING} before the server listens (scripts written against the seed check
 * {@code status == "ok"}). grpc.health.v1 answers SERVING / NOT_SERVING, as that protocol defines.
 *
 * <p>Starts not serving; {@link #markServing()} once the server listens; {@link #markDraining()} on shutdown, after
 * which nothing can turn it back. Thread-safe: the flags are volatile/atomic and {@link HealthStatusManager} is thread-safe.
 */
public final class ServingHealth {
    public static final String OK = "ok";
    public static final String DRAINING = "draining";
    public static final String STARTING = "starting";

    /** Names checked by grpc.health.v1 clients: "" is the whole server. */
    private static final String[] SERVICE_NAMES = {
        "", PredictionServiceGrpc.SERVICE_NAME, HealthServiceGrpc.SERVICE_NAME
    };

    private final HealthStatusManager grpcHealth = new HealthStatusManager();
    private final HealthResponse servingResponse;
    private final HealthResponse drainingResponse;
    private final HealthResponse startingResponse;
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile boolean started;

    public ServingHealth(LoadedModel model) {
        HealthResponse.Builder base = HealthResponse.newBuilder()
                .setModelVersion(model.version())
                .setModelSha256(model.sha256());
        servingResponse = base.setStatus(OK).build();
        drainingResponse = base.setStatus(DRAINING).build();
        startingResponse = base.setStatus(STARTING).build();
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

    /** Turns grpc.health.v1 NOT_SERVING and the mlservice methods {@value #DRAINING}, for good. Idempotent. */
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
        if (draining.get()) {
            return drainingResponse;
        }
        return started ? servingResponse : startingResponse;
    }

    public BindableService grpcHealthService() {
        return grpcHealth.getHealthService();
    }
}
