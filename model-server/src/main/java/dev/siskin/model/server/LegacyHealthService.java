package dev.siskin.model.server;

import dev.siskin.proto.HealthServiceGrpc;
import dev.siskin.proto.v1.HealthRequest;
import dev.siskin.proto.v1.HealthResponse;
import io.grpc.stub.StreamObserver;

/** The seed's package-less {@code HealthService/Health}, kept for its documented grpcurl call. */
final class LegacyHealthService extends HealthServiceGrpc.HealthServiceImplBase {
    private final ServingHealth health;

    LegacyHealthService(ServingHealth health) {
        this.health = health;
    }

    @Override
    public void health(HealthRequest request, StreamObserver<HealthResponse> responses) {
        responses.onNext(health.response());
        responses.onCompleted();
    }
}
