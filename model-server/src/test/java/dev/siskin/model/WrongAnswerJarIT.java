package dev.siskin.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.model.load.LoadedModel;
import dev.siskin.model.load.ModelLoader;
import dev.siskin.model.predict.Classification;
import dev.siskin.model.predict.IrisClassifier;
import dev.siskin.model.testing.IrisRows;
import dev.siskin.model.testing.MetricsScrape;
import dev.siskin.model.testing.ModelServerProcess;
import dev.siskin.model.testing.PrometheusText;
import dev.siskin.model.testing.Repo;
import dev.siskin.proto.v1.PredictResponse;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The real jar serving v2.0.0 with FAULT_WRONG_RATE=0.3 ("a v2 that disagrees"), called over a socket with every
 * row of data/iris.csv: about 30 % of the answers name another species than the model's own prediction, each
 * consistent with the model's probabilities, and the server counts exactly those.
 */
class WrongAnswerJarIT {

    @Test
    void aboutThirtyPercentOfAnswersGetAnotherSpeciesAndAreCounted() throws Exception {
        LoadedModel model = ModelLoader.load(Repo.model("v2.0.0"), Optional.of("v2.0.0"));
        IrisClassifier classifier = new IrisClassifier(model.model());
        try (ModelServerProcess server = ModelServerProcess.start(Map.of("MODEL_PATH", "models/iris-v2.0.0.tribuo",
                "PORT", "0", "METRICS_PORT", "0", "DRAIN_GRACE_MS", "0", "FAULT_WRONG_RATE", "0.3",
                "FAULT_SEED", "13"))) {
            int port = server.awaitGrpcPort();
            int metricsPort = server.awaitMetricsPort();
            assertThat(server.output()).contains("FAULT INJECTION ON: ").contains("wrong-answer rate 0.3, seed 13");
            ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", port,
                    InsecureChannelCredentials.create()).build();
            int wrong = 0;
            int rows = 0;
            try {
                var stub = PredictionServiceGrpc.newBlockingStub(channel);
                for (IrisRows.Row row : IrisRows.all()) {
                    Classification own = classifier.classify(row.flower());
                    PredictResponse answer = stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                            .predict(IrisRows.request(row.flower()));
                    assertThat(answer.getConfidence()).isEqualTo(own.probabilities().get(answer.getPrediction()));
                    wrong += answer.getPrediction().equals(own.species()) ? 0 : 1;
                    rows++;
                }
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
            // Binomial(150, 0.3): mean 45, standard deviation 5.6; 6 of them either side. Rate 0 or 1 falls outside.
            assertThat(rows).isEqualTo(150);
            assertThat(wrong).isBetween(12, 78);
            PrometheusText metrics = MetricsScrape.scrape(metricsPort);
            assertThat(metrics.value("siskin_model_injected_wrong_answers_total", "version", "v2.0.0"))
                    .isEqualTo(wrong);
            server.terminate();
            assertThat(server.awaitExit(Duration.ofSeconds(60))).as(server.output()).isZero();
        }
    }
}
