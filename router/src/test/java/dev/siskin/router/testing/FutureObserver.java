package dev.siskin.router.testing;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/** A response observer whose future completes with the last message at the end of the call, or its error. */
public final class FutureObserver<T> implements StreamObserver<T> {
  private final CompletableFuture<T> result = new CompletableFuture<>();
  private volatile T last;

  public CompletableFuture<T> result() {
    return result;
  }

  @Override
  public void onNext(T value) {
    last = value;
  }

  @Override
  public void onError(Throwable t) {
    result.completeExceptionally(t);
  }

  @Override
  public void onCompleted() {
    result.complete(last);
  }
}
