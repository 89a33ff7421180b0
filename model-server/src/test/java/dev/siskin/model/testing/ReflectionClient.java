package dev.siskin.model.testing;

import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Lists a server's services through server reflection, v1 or v1alpha, the way grpcurl's {@code list} does. */
public final class ReflectionClient {
    private ReflectionClient() {}

    public static List<String> listV1(Channel channel) throws Exception {
        CompletableFuture<List<String>> names = new CompletableFuture<>();
        var requests = io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel)
                .withDeadlineAfter(20, TimeUnit.SECONDS)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(io.grpc.reflection.v1.ServerReflectionResponse response) {
                        names.complete(response.getListServicesResponse().getServiceList().stream()
                                .map(io.grpc.reflection.v1.ServiceResponse::getName)
                                .toList());
                    }

                    @Override
                    public void onError(Throwable t) {
                        names.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {}
                });
        requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("*").build());
        requests.onCompleted();
        return names.get(20, TimeUnit.SECONDS);
    }

    public static List<String> listV1alpha(Channel channel) throws Exception {
        CompletableFuture<List<String>> names = new CompletableFuture<>();
        var requests = io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(channel)
                .withDeadlineAfter(20, TimeUnit.SECONDS)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(io.grpc.reflection.v1alpha.ServerReflectionResponse response) {
                        names.complete(response.getListServicesResponse().getServiceList().stream()
                                .map(io.grpc.reflection.v1alpha.ServiceResponse::getName)
                                .toList());
                    }

                    @Override
                    public void onError(Throwable t) {
                        names.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {}
                });
        requests.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("*").build());
        requests.onCompleted();
        return names.get(20, TimeUnit.SECONDS);
    }

    /** Every service a model server must list. */
    public static final List<String> EXPECTED_SERVICES = List.of(
            "mlservice.v1.PredictionService",
            "HealthService",
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection");
}
