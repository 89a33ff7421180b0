package dev.siskin.router.bench;

import dev.siskin.proto.v1.PredictResponse;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The benchmark's correctness check: h2load counts HTTP statuses only, and a gRPC error is an HTTP 200 with a
 * non-zero grpc-status trailer, so before measuring a target this makes real gRPC calls with the seed request
 * through it and fails unless every one answers OK with the expected species.
 *
 * <p>Usage: {@code PredictCheck NAME HOST:PORT [CALLS]}. Prints one line (calls, which backends answered
 * according to {@code x-canary-backend} or the response's model version); exit 1 on any failure.
 */
public final class PredictCheck {
  private static final Metadata.Key<String> BACKEND_HEADER =
      Metadata.Key.of("x-canary-backend", Metadata.ASCII_STRING_MARSHALLER);

  private PredictCheck() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 2 || args.length > 3) {
      System.err.println("usage: PredictCheck NAME HOST:PORT [CALLS]");
      System.exit(2);
    }
    String name = args[0];
    int calls = args.length == 3 ? Integer.parseInt(args[2]) : 20;
    ManagedChannel channel = NettyChannelBuilder.forTarget(args[1]).usePlaintext().build();
    try {
      String failure = check(channel, calls, name);
      if (failure != null) {
        System.err.println("check " + name + " (" + args[1] + ") FAILED: " + failure);
        System.exit(1);
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Returns null when every call answered OK and right, else what went wrong. */
  private static String check(ManagedChannel channel, int calls, String name) {
    Map<String, Integer> servedBy = new TreeMap<>();
    for (int i = 0; i < calls; i++) {
      AtomicReference<Metadata> headers = new AtomicReference<>();
      var stub = PredictionServiceGrpc.newBlockingStub(
          ClientInterceptors.intercept(channel, MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>())))
          .withDeadlineAfter(10, TimeUnit.SECONDS);
      PredictResponse response;
      try {
        response = stub.predict(SeedRequest.request());
      } catch (StatusRuntimeException e) {
        return "call " + (i + 1) + " of " + calls + " ended with " + e.getStatus();
      }
      if (!SeedRequest.EXPECTED_SPECIES.equals(response.getPrediction())) {
        return "call " + (i + 1) + " answered '" + response.getPrediction() + "', expected '"
            + SeedRequest.EXPECTED_SPECIES + "'";
      }
      String backend = headers.get() == null ? null : headers.get().get(BACKEND_HEADER);
      servedBy.merge(backend != null ? backend : "model " + response.getModelVersion(), 1, Integer::sum);
    }
    System.out.println("check " + name + ": " + calls + " calls OK (" + SeedRequest.EXPECTED_SPECIES
        + "), answered by " + servedBy);
    return null;
  }
}
