package dev.siskin.client;

import dev.siskin.proto.v1.PredictionServiceGrpc;
import dev.siskin.proto.v1.PredictionServiceGrpc.PredictionServiceBlockingStub;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options shared by the commands that call a gRPC target. */
final class ConnectionOptions {
  @Option(names = "--target", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:50051",
      converter = Converters.TargetConverter.class,
      description = "Router or model server to call (default: ${DEFAULT-VALUE}); also a gRPC URI such as dns:///router:50051.")
  Target target;

  @Option(names = "--deadline", paramLabel = "DURATION", defaultValue = "5s",
      converter = Converters.DurationConverter.class,
      description = "Deadline of each call, e.g. 500ms, 5s (default: ${DEFAULT-VALUE}).")
  Duration deadline;

  @Mixin
  TlsOptions tls;

  /** A channel to {@code --target}, over TLS with {@code --tls-ca}; the caller owns it and must shut it down. */
  ManagedChannel openChannel() {
    return target.openChannel(tls.credentials(), tls.authority());
  }

  /** A stub on {@code channel} with this call's deadline, recording the serving backend in {@code header}. */
  PredictionServiceBlockingStub stub(ManagedChannel channel, BackendHeader header) {
    return PredictionServiceGrpc.newBlockingStub(channel)
        .withInterceptors(header.interceptor())
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Shuts a channel down, waiting briefly so that no call is cut off mid-flight and no thread lingers. */
  static void close(ManagedChannel channel) {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
