package dev.siskin.router.e2e;

import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** What grpcurl's {@code list} does: one list_services request on a server reflection stream. */
final class ReflectionList {
  private ReflectionList() {}

  static List<String> v1(Channel channel) throws Exception {
    var request = io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("*").build();
    return list(io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel)
            .withDeadlineAfter(20, TimeUnit.SECONDS)::serverReflectionInfo, request,
        r -> r.getListServicesResponse().getServiceList().stream()
            .map(io.grpc.reflection.v1.ServiceResponse::getName).toList());
  }

  static List<String> v1alpha(Channel channel) throws Exception {
    var request = io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("*").build();
    return list(io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(channel)
            .withDeadlineAfter(20, TimeUnit.SECONDS)::serverReflectionInfo, request,
        r -> r.getListServicesResponse().getServiceList().stream()
            .map(io.grpc.reflection.v1alpha.ServiceResponse::getName).toList());
  }

  /** The two reflection versions differ only in their message types. Bidi streaming through the router. */
  private static <Q, R> List<String> list(Function<StreamObserver<R>, StreamObserver<Q>> open, Q request,
      Function<R, List<String>> names) throws Exception {
    CompletableFuture<List<String>> result = new CompletableFuture<>();
    StreamObserver<Q> out = open.apply(new StreamObserver<R>() {
      @Override
      public void onNext(R response) {
        result.complete(names.apply(response));
      }

      @Override
      public void onError(Throwable t) {
        result.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        result.completeExceptionally(new AssertionError("stream completed without a list_services answer"));
      }
    });
    out.onNext(request);
    out.onCompleted();
    return result.get(30, TimeUnit.SECONDS);
  }
}
