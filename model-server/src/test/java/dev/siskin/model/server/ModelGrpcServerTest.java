package dev.siskin.model.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.siskin.model.fault.FaultInjector;
import dev.siskin.model.fault.FaultSettings;
import dev.siskin.model.predict.Classification;
import dev.siskin.model.predict.IrisClassifier;
import dev.siskin.model.testing.BadRequests;
import dev.siskin.model.testing.InProcessModelServer;
import dev.siskin.model.testing.IrisRows;
import dev.siskin.model.testing.ReflectionClient;
import dev.siskin.proto.HealthServiceGrpc;
import dev.siskin.proto.v1.HealthRequest;
import dev.siskin.proto.v1.HealthResponse;
import dev.siskin.proto.v1.PredictResponse;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import dev.siskin.proto.v1.PredictionServiceGrpc.PredictionServiceBlockingStub;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ModelGrpcServerTest {
    private InProcessModelServer fixture;

    @AfterEach
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    private PredictionServiceBlockingStub start(String version, FaultInjector faults) throws Exception {
        fixture = new InProcessModelServer(version, faults);
        return PredictionServiceGrpc.newBlockingStub(fixture.channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @Test
    void predictAnswersTheSeedRequestWithSpeciesConfidenceVersionAndProbabilities() throws Exception {
        PredictResponse response = start("v2.0.0", FaultInjector.DISABLED).predict(IrisRows.seedRequest());
        assertThat(response.getPrediction()).isEqualTo("setosa");
        assertThat(response.getModelVersion()).isEqualTo("v2.0.0");
        assertThat(response.getProbabilitiesMap()).containsOnlyKeys("setosa", "versicolor", "virginica");
        assertThat(response.getConfidence()).isEqualTo(response.getProbabilitiesMap().get("setosa")).isGreaterThan(0.9);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.siskin.model.testing.BadRequests#all")
    void badInputGetsInvalidArgumentNamingTheFeature(BadRequests.Case bad) throws Exception {
        PredictionServiceBlockingStub stub = start("v1.0.0", FaultInjector.DISABLED);
        assertThatThrownBy(() -> stub.predict(bad.request()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains(bad.namedInMessage())
                            .contains(bad.expectedInMessage());
                });
    }

    @Test
    void bothMlserviceHealthMethodsAnswerTheSeedsOkWithVersionAndHash() throws Exception {
        PredictionServiceBlockingStub stub = start("v1.0.0", FaultInjector.DISABLED);
        HealthResponse expected = HealthResponse.newBuilder().setStatus("ok").setModelVersion("v1.0.0")
                .setModelSha256(fixture.model.sha256()).build();
        assertThat(stub.health(HealthRequest.getDefaultInstance())).isEqualTo(expected);
        assertThat(HealthServiceGrpc.newBlockingStub(fixture.channel).health(HealthRequest.getDefaultInstance()))
                .isEqualTo(expected);
    }

    @Test
    void grpcHealthV1ReportsServingForTheServerAndEachService() throws Exception {
        start("v1.0.0", FaultInjector.DISABLED);
        var health = HealthGrpc.newBlockingStub(fixture.channel);
        for (String service : new String[] {"", "mlservice.v1.PredictionService", "HealthService"}) {
            assertThat(health.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus())
                    .as("service '%s'", service).isEqualTo(ServingStatus.SERVING);
        }
        assertThatThrownBy(() -> health.check(HealthCheckRequest.newBuilder().setService("nope").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void reflectionV1AndV1alphaListEveryService() throws Exception {
        start("v1.0.0", FaultInjector.DISABLED);
        assertThat(ReflectionClient.listV1(fixture.channel))
                .containsExactlyInAnyOrderElementsOf(ReflectionClient.EXPECTED_SERVICES);
        assertThat(ReflectionClient.listV1alpha(fixture.channel))
                .containsExactlyInAnyOrderElementsOf(ReflectionClient.EXPECTED_SERVICES);
    }

    // The grace is long so that the calls below land inside it even on a loaded machine; drain() then waits it out.
    @Test
    void drainTurnsHealthDrainingAndNotServingWhileStillAnsweringDuringTheGrace() throws Exception {
        PredictionServiceBlockingStub stub = start("v1.0.0", FaultInjector.DISABLED);
        CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> {
            try {
                return fixture.server.drain(Duration.ofSeconds(15), Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        var health = HealthGrpc.newBlockingStub(fixture.channel);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                health.check(HealthCheckRequest.getDefaultInstance()).getStatus() == ServingStatus.NOT_SERVING);
        assertThat(stub.health(HealthRequest.getDefaultInstance()).getStatus()).isEqualTo("draining");
        assertThat(HealthServiceGrpc.newBlockingStub(fixture.channel).health(HealthRequest.getDefaultInstance())
                .getStatus()).isEqualTo("draining");
        assertThat(stub.predict(IrisRows.seedRequest()).getPrediction()).isEqualTo("setosa");
        assertThat(drained.get(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void drainLetsDelayedInFlightCallsFinish() throws Exception {
        start("v1.0.0", new FaultInjector(FaultSettings.parse("800", "0", "UNAVAILABLE", "0", "")));
        var future = PredictionServiceGrpc.newFutureStub(fixture.channel).predict(IrisRows.seedRequest());
        // Drain only once the call is on the server (waiting out its injected latency), not before it arrived.
        assertThat(fixture.callsArrived.poll(10, TimeUnit.SECONDS)).isEqualTo("mlservice.v1.PredictionService/Predict");
        assertThat(fixture.server.drain(Duration.ZERO, Duration.ofSeconds(20))).isTrue();
        assertThat(future.get(1, TimeUnit.SECONDS).getPrediction()).isEqualTo("setosa");
    }

    @Test
    void injectedErrorsFailPredictWithTheChosenCodeButNotHealth() throws Exception {
        PredictionServiceBlockingStub stub = start("v1.0.0",
                new FaultInjector(FaultSettings.parse("", "1", "UNAVAILABLE", "0", "")));
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> stub.predict(IrisRows.seedRequest()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                        assertThat(e.getStatus().getDescription()).contains("fault injected");
                    });
        }
        assertThat(stub.health(HealthRequest.getDefaultInstance()).getStatus()).isEqualTo("ok");
        assertThat(HealthGrpc.newBlockingStub(fixture.channel).check(HealthCheckRequest.getDefaultInstance())
                .getStatus()).isEqualTo(ServingStatus.SERVING);
    }

    @Test
    void wrongRateOneGivesEveryFlowerAnotherSpeciesConsistentWithTheModelsProbabilities() throws Exception {
        PredictionServiceBlockingStub stub = start("v2.0.0",
                new FaultInjector(FaultSettings.parse("", "0", "UNAVAILABLE", "1", "")));
        IrisClassifier classifier = new IrisClassifier(fixture.model.model());
        for (IrisRows.Row row : IrisRows.all()) {
            Classification model = classifier.classify(row.flower());
            PredictResponse answer = stub.predict(IrisRows.request(row.flower()));
            assertThat(answer.getPrediction()).isNotEqualTo(model.species()).isIn(model.probabilities().keySet());
            assertThat(answer.getProbabilitiesMap()).isEqualTo(model.probabilities());
            assertThat(answer.getConfidence()).isEqualTo(model.probabilities().get(answer.getPrediction()));
            assertThat(answer.getModelVersion()).isEqualTo("v2.0.0");
        }
        assertThatThrownBy(() -> stub.predict(IrisRows.request(IrisRows.feature("sepal_length", 5.1))))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }

    @Test
    void injectedLatencyDelaysPredictAndStillAnswers() throws Exception {
        PredictionServiceBlockingStub stub = start("v1.0.0",
                new FaultInjector(FaultSettings.parse("300", "0", "UNAVAILABLE", "0", "")));
        long start = System.nanoTime();
        assertThat(stub.predict(IrisRows.seedRequest()).getPrediction()).isEqualTo("setosa");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }
}
