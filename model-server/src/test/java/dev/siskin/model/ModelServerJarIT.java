package dev.siskin.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.siskin.model.iris.IrisMeasurements;
import dev.siskin.model.testing.BadRequests;
import dev.siskin.model.testing.IrisRows;
import dev.siskin.model.testing.MetricsScrape;
import dev.siskin.model.testing.ModelServerProcess;
import dev.siskin.model.testing.PrometheusText;
import dev.siskin.model.testing.ReflectionClient;
import dev.siskin.proto.HealthServiceGrpc;
import dev.siskin.proto.v1.HealthRequest;
import dev.siskin.proto.v1.HealthResponse;
import dev.siskin.proto.v1.PredictResponse;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import dev.siskin.proto.v1.PredictionServiceGrpc.PredictionServiceBlockingStub;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real jar serving v2.0.0 on a free loopback port, called over a real socket by a plain gRPC client
 * (generated stubs and server reflection, as grpcurl would).
 */
class ModelServerJarIT {
    private static ModelServerProcess server;
    private static ManagedChannel channel;
    private static int metricsPort;

    @BeforeAll
    static void startServer() throws Exception {
        server = ModelServerProcess.start(Map.of("MODEL_PATH", "models/iris-v2.0.0.tribuo", "PORT", "0",
                "METRICS_PORT", "0", "DRAIN_GRACE_MS", "200"));
        int port = server.awaitGrpcPort();
        metricsPort = server.awaitMetricsPort();
        channel = Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create()).build();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.terminate();
            int exit = server.awaitExit(Duration.ofSeconds(60));
            server.close();
            assertThat(exit).as("exit status after SIGTERM; output:\n%s", server.output()).isZero();
        }
    }

    private static PredictionServiceBlockingStub stub() {
        return PredictionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @Test
    void startUpLineNamesVersionFileHashAndPort() {
        assertThat(server.lines()).filteredOn(l -> l.contains(" INFO ")).hasSize(1).first().asString()
                .contains("serving model v2.0.0 from models/iris-v2.0.0.tribuo (sha256 ")
                .containsPattern("sha256 [0-9a-f]{64}\\) on port \\d+, metrics on port \\d+");
    }

    @Test
    void reflectionListsEveryServiceOverTheSocket() throws Exception {
        assertThat(ReflectionClient.listV1(channel)).containsExactlyInAnyOrderElementsOf(ReflectionClient.EXPECTED_SERVICES);
        assertThat(ReflectionClient.listV1alpha(channel))
                .containsExactlyInAnyOrderElementsOf(ReflectionClient.EXPECTED_SERVICES);
    }

    @Test
    void seedRequestIsASetosaFromV2() {
        PredictResponse response = stub().predict(IrisRows.seedRequest());
        assertThat(response.getPrediction()).isEqualTo("setosa");
        assertThat(response.getModelVersion()).isEqualTo("v2.0.0");
        assertThat(response.getConfidence()).isBetween(0.9, 1.0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.siskin.model.testing.BadRequests#all")
    void badInputGetsInvalidArgumentNamingTheFeature(BadRequests.Case bad) {
        assertThatThrownBy(() -> stub().predict(bad.request()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains(bad.namedInMessage())
                            .contains(bad.expectedInMessage());
                });
    }

    @Test
    void everyHealthEndpointIsServing() {
        assertThat(stub().health(HealthRequest.getDefaultInstance()).getStatus()).isEqualTo("ok");
        HealthResponse legacy = HealthServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .health(HealthRequest.getDefaultInstance());
        assertThat(legacy.getStatus()).isEqualTo("ok");
        assertThat(legacy.getModelVersion()).isEqualTo("v2.0.0");
        assertThat(HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);
    }

    @Test
    void metricsCountPredictionsBySpecies() throws Exception {
        // Other tests of this class predict too (JUnit runs them one at a time): compare before and after.
        PrometheusText before = scrape();
        var rows = IrisRows.all();
        for (int i = 0; i < 4; i++) {
            stub().predict(IrisRows.request(rows.get(i).flower())); // setosa
        }
        for (int i = 0; i < 2; i++) {
            stub().predict(IrisRows.request(rows.get(100 + i).flower())); // virginica
        }
        PrometheusText after = scrape();
        assertThat(delta(before, after, "setosa")).isEqualTo(4.0);
        assertThat(delta(before, after, "versicolor")).isEqualTo(0.0);
        assertThat(delta(before, after, "virginica")).isEqualTo(2.0);
        assertThat(after.value("siskin_model_info", "version", "v2.0.0")).isEqualTo(1.0);
    }

    @Test
    void aFlowerInMillimetresIsAnsweredAndCountedPerFeatureOutOfRange() throws Exception {
        PrometheusText before = scrape();
        stub().predict(IrisRows.seedRequest()); // in range: not counted
        // The seed's flower in mm: sepal length, sepal width and petal length are far beyond the training ranges;
        // 2 is still a plausible petal width in cm.
        PredictResponse response = stub().predict(IrisRows.request(new IrisMeasurements(51, 35, 14, 2)));
        assertThat(response.getModelVersion()).isEqualTo("v2.0.0");
        assertThat(response.getPrediction()).isNotEmpty();
        PrometheusText after = scrape();
        assertThat(outOfRangeDelta(before, after, "sepal_length")).isEqualTo(1.0);
        assertThat(outOfRangeDelta(before, after, "sepal_width")).isEqualTo(1.0);
        assertThat(outOfRangeDelta(before, after, "petal_length")).isEqualTo(1.0);
        assertThat(outOfRangeDelta(before, after, "petal_width")).isEqualTo(0.0);
    }

    private static double delta(PrometheusText before, PrometheusText after, String species) {
        return count(after, species) - count(before, species);
    }

    private static double outOfRangeDelta(PrometheusText before, PrometheusText after, String feature) {
        return after.value("siskin_model_out_of_range_features_total", "feature", feature, "version", "v2.0.0")
                - before.value("siskin_model_out_of_range_features_total", "feature", feature, "version", "v2.0.0");
    }

    private static double count(PrometheusText metrics, String species) {
        return metrics.samples().stream()
                .filter(s -> s.name().equals("siskin_model_predictions_total"))
                .filter(s -> species.equals(s.labels().get("species")))
                .mapToDouble(PrometheusText.Sample::value)
                .sum();
    }

    private static PrometheusText scrape() throws Exception {
        return MetricsScrape.scrape(metricsPort);
    }
}
