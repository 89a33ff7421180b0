package dev.siskin.model.testing;

import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** Lists a server's services through server reflection, v1 or v1alpha, the way grpcurl's {@code list} does. */
public final class ReflectionClient {
    /** Every service a model server must list. */
    public static final List<String> EXPECTED_SERVICES = List.of(
            "mlservice.v1.PredictionService",
            "HealthService",
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection");

    private ReflectionClient() {}

    public static List<String> listV1(Channel channel) throws Exception {
        var stub = io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
        return list(stub::serverReflectionInfo,
                io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("*").build(),
                response -> response.getListServicesResponse().getServiceList().stream()
                        .map(io.grpc.reflection.v1.ServiceResponse::getName).toList());
    }

    public static List<String> listV1alpha(Channel channel) throws Exception {
        var stub = io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(channel)
                .withDeadlineAfter(20, TimeUnit.SECONDS);
        return list(stub::serverReflectionInfo,
                io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("*").build(),
                response -> response.getListServicesResponse().getServiceList().stream()
                        .map(io.grpc.reflection.v1alpha.ServiceResponse::getName).toList());
    }

    /** One list_services exchange on a reflection stream; the two versions differ only in their message types. */
    private static <Q, R> List<String> list(Function<StreamObserver<R>, StreamObserver<Q>> open, Q listRequest,
            Function<R, List<String>> names) throws Exception {
        CompletableFuture<List<String>> result = new CompletableFuture<>();
        StreamObserver<Q> requests = open.apply(new StreamObserver<>() {
            @Override
            public void onNext(R response) {
                result.complete(names.apply(response));
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
        });
        requests.onNext(listRequest);
        requests.onCompleted();
        return result.get(20, TimeUnit.SECONDS);
    }
}
