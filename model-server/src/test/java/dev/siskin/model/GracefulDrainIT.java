package dev.siskin.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import dev.siskin.model.testing.IrisRows;
import dev.siskin.model.testing.ModelServerProcess;
import dev.siskin.proto.HealthServiceGrpc;
import dev.siskin.proto.v1.HealthRequest;
import dev.siskin.proto.v1.PredictResponse;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to the real jar while slow calls are in flight (fault latency 4 s, grace 2.5 s): health turns
 * NOT_SERVING (grpc.health.v1) and "draining" (HealthService/Health) at once, calls made during the grace are
 * still served, every call completes OK and it exits 0.
 */
class GracefulDrainIT {

    @Test
    void sigtermDrainsInFlightCallsAndExitsZero() throws Exception {
        try (ModelServerProcess server = ModelServerProcess.start(Map.of(
                "MODEL_PATH", "models/iris-v1.0.0.tribuo", "PORT", "0",
                "FAULT_LATENCY_MS", "4000", "DRAIN_GRACE_MS", "2500", "DRAIN_TIMEOUT_MS", "30000"))) {
            int port = server.awaitGrpcPort();
            ManagedChannel channel =
                    Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create()).build();
            try {
                var async = PredictionServiceGrpc.newFutureStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
                var health = HealthGrpc.newBlockingStub(channel);
                assertThat(health.withDeadlineAfter(30, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance())
                        .getStatus()).isEqualTo(ServingStatus.SERVING);
                assertThat(legacyStatus(channel)).isEqualTo("ok");

                List<ListenableFuture<PredictResponse>> calls = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    calls.add(async.predict(IrisRows.seedRequest()));
                }
                Thread.sleep(500); // the calls have reached the server and wait out their 4 s of latency,
                                  // which outlasts the 2.5 s grace: they are in flight when the server shuts down
                server.terminate();

                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                ServingStatus status = ServingStatus.SERVING;
                while (status == ServingStatus.SERVING && System.nanoTime() < deadline) {
                    status = health.withDeadlineAfter(5, TimeUnit.SECONDS)
                            .check(HealthCheckRequest.getDefaultInstance()).getStatus();
                    Thread.sleep(20);
                }
                assertThat(status).isEqualTo(ServingStatus.NOT_SERVING);
                assertThat(legacyStatus(channel)).isEqualTo("draining");
                calls.add(async.predict(IrisRows.seedRequest())); // during the grace: still accepted

                for (ListenableFuture<PredictResponse> call : calls) {
                    assertThat(call.get(60, TimeUnit.SECONDS).getPrediction()).isEqualTo("setosa");
                }
                assertThat(server.awaitExit(Duration.ofSeconds(60))).as(server.output()).isZero();
                assertThat(server.output()).contains("model-server: draining").contains("model-server: stopped");
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    private static String legacyStatus(ManagedChannel channel) {
        return HealthServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .health(HealthRequest.getDefaultInstance()).getStatus();
    }
}
