package dev.siskin.model.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.siskin.model.fault.FaultInjector;
import dev.siskin.model.fault.FaultSettings;
import dev.siskin.model.iris.Iris;
import dev.siskin.model.iris.IrisMeasurements;
import dev.siskin.model.predict.InvalidFeatureException;
import dev.siskin.model.predict.TrainingRanges;
import dev.siskin.model.predict.IrisClassifier;
import dev.siskin.model.testing.BadRequests;
import dev.siskin.model.testing.InProcessModelServer;
import dev.siskin.model.testing.IrisRows;
import dev.siskin.model.testing.IrisRows.Row;
import dev.siskin.model.testing.PrometheusText;
import dev.siskin.proto.v1.PredictResponse;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Scrapes /metrics over HTTP after known calls: the counts must match the calls exactly. */
class ModelMetricsEndpointTest {

    @Test
    void countsPredictionsBySpeciesAndRejectionsByReason() throws Exception {
        try (InProcessModelServer fixture = new InProcessModelServer("v1.0.0", FaultInjector.DISABLED);
                MetricsEndpoint endpoint = MetricsEndpoint.start(fixture.metrics, 0)) {
            var stub = PredictionServiceGrpc.newBlockingStub(fixture.channel).withDeadlineAfter(60, TimeUnit.SECONDS);
            List<Row> rows = IrisRows.all();
            // 7 setosa, 5 versicolor, 3 virginica flowers from the data file.
            List<Row> sent = List.of(rows.subList(0, 7), rows.subList(50, 55), rows.subList(100, 103)).stream()
                    .flatMap(List::stream).toList();
            IrisClassifier classifier = new IrisClassifier(fixture.model.model());
            Map<String, Integer> expected = new TreeMap<>();
            for (Row row : sent) {
                String species = stub.predict(IrisRows.request(row.flower())).getPrediction();
                assertThat(species).isEqualTo(classifier.classify(row.flower()).species()).isEqualTo(row.species());
                expected.merge(species, 1, Integer::sum);
            }
            assertThat(expected).isEqualTo(Map.of("setosa", 7, "versicolor", 5, "virginica", 3));
            for (BadRequests.Case bad : BadRequests.all()) {
                assertThatThrownBy(() -> stub.predict(bad.request()));
            }

            PrometheusText metrics = PrometheusText.parse(scrape(endpoint.port()));

            for (var e : expected.entrySet()) {
                assertThat(metrics.value("siskin_model_predictions_total", "species", e.getKey(), "version", "v1.0.0"))
                        .as(e.getKey()).isEqualTo(e.getValue().doubleValue());
            }
            Map<String, Long> rejectedByReason = BadRequests.all().stream()
                    .collect(Collectors.groupingBy(BadRequests.Case::reason, Collectors.counting()));
            assertThat(rejectedByReason).containsKeys("missing", "repeated", "unknown", "empty_name", "not_a_number",
                    "infinite", "not_positive");
            for (InvalidFeatureException.Reason reason : InvalidFeatureException.Reason.values()) {
                assertThat(metrics.value("siskin_model_validation_failures_total", "reason", reason.label()))
                        .as(reason.label()).isEqualTo(rejectedByReason.getOrDefault(reason.label(), 0L).doubleValue());
            }
            assertThat(metrics.value("siskin_model_predict_duration_seconds_count", "code", "OK")).isEqualTo(15.0);
            assertThat(metrics.value("siskin_model_predict_duration_seconds_count", "code", "INVALID_ARGUMENT"))
                    .isEqualTo(BadRequests.all().size());
            assertThat(metrics.value("siskin_model_predict_duration_seconds_bucket", "code", "OK", "le", "+Inf"))
                    .isEqualTo(15.0);
            assertThat(metrics.value("siskin_model_info", "version", "v1.0.0", "sha256", fixture.model.sha256()))
                    .isEqualTo(1.0);
            assertThat(metrics.samples()).anyMatch(s -> s.name().startsWith("jvm_memory_used_bytes"));
        }
    }

    @Test
    void featuresFarOutsideTheTrainingRangeAreAnsweredAndCountedPerFeatureInRangeOnesAreNot() throws Exception {
        try (InProcessModelServer fixture = new InProcessModelServer("v2.0.0", FaultInjector.DISABLED);
                MetricsEndpoint endpoint = MetricsEndpoint.start(fixture.metrics, 0)) {
            var stub = PredictionServiceGrpc.newBlockingStub(fixture.channel).withDeadlineAfter(60, TimeUnit.SECONDS);
            TrainingRanges ranges = fixture.model.trainingRanges();
            double petalWidthLimit = ranges.get("petal_width").highLimit();
            double sepalLengthLimit = ranges.get("sepal_length").lowLimit();

            // In range: every training row, and values right at the limits.
            for (Row row : IrisRows.all()) {
                stub.predict(IrisRows.request(row.flower()));
            }
            stub.predict(IrisRows.request(new IrisMeasurements(sepalLengthLimit, 3.5, 1.4, petalWidthLimit)));
            PrometheusText inRange = PrometheusText.parse(scrape(endpoint.port()));
            for (String feature : Iris.FEATURES) {
                assertThat(outOfRange(inRange, feature)).as(feature).isZero();
            }

            // Just beyond the limits, and the seed's flower given in millimetres: answered, and counted.
            PredictResponse beyond = stub.predict(IrisRows.request(new IrisMeasurements(
                    Math.nextDown(sepalLengthLimit), 3.5, 1.4, Math.nextUp(petalWidthLimit))));
            assertThat(beyond.getPrediction()).isIn(Iris.SPECIES);
            PredictResponse millimetres = stub.predict(IrisRows.request(new IrisMeasurements(51, 35, 14, 2)));
            assertThat(millimetres.getPrediction()).isIn(Iris.SPECIES);
            assertThat(millimetres.getModelVersion()).isEqualTo("v2.0.0");

            PrometheusText metrics = PrometheusText.parse(scrape(endpoint.port()));
            assertThat(outOfRange(metrics, "sepal_length")).isEqualTo(2.0); // the low limit - ε, and 51
            assertThat(outOfRange(metrics, "sepal_width")).isEqualTo(1.0);  // 35
            assertThat(outOfRange(metrics, "petal_length")).isEqualTo(1.0); // 14
            assertThat(outOfRange(metrics, "petal_width")).isEqualTo(1.0);  // the high limit + ε; 2 is within it
            assertThat(metrics.value("siskin_model_predict_duration_seconds_count", "code", "OK"))
                    .isEqualTo(IrisRows.all().size() + 3.0);
        }
    }

    @Test
    void wrongAnswersAreCountedAndPredictionsCountTheSpeciesAnswered() throws Exception {
        FaultInjector faults = new FaultInjector(FaultSettings.parse("", "0", "UNAVAILABLE", "0.5", "5"));
        try (InProcessModelServer fixture = new InProcessModelServer("v1.0.0", faults);
                MetricsEndpoint endpoint = MetricsEndpoint.start(fixture.metrics, 0)) {
            var stub = PredictionServiceGrpc.newBlockingStub(fixture.channel).withDeadlineAfter(60, TimeUnit.SECONDS);
            IrisClassifier classifier = new IrisClassifier(fixture.model.model());
            Map<String, Integer> answered = new TreeMap<>();
            int wrong = 0;
            for (Row row : IrisRows.all()) {
                String species = stub.predict(IrisRows.request(row.flower())).getPrediction();
                answered.merge(species, 1, Integer::sum);
                wrong += species.equals(classifier.classify(row.flower()).species()) ? 0 : 1;
            }
            // Binomial(150, 0.5): 75 +- 6.1; the seed fixes the draw, the bounds only say it is a mix.
            assertThat(wrong).isBetween(30, 120);

            PrometheusText metrics = PrometheusText.parse(scrape(endpoint.port()));
            assertThat(metrics.value("siskin_model_injected_wrong_answers_total", "version", "v1.0.0"))
                    .isEqualTo(wrong);
            for (String species : Iris.SPECIES) {
                assertThat(metrics.value("siskin_model_predictions_total", "species", species, "version", "v1.0.0"))
                        .as(species).isEqualTo(answered.getOrDefault(species, 0).doubleValue());
            }
            assertThat(metrics.value("siskin_model_predict_duration_seconds_count", "code", "OK")).isEqualTo(150.0);
        }
    }

    @Test
    void wrongAnswerCounterStartsAtZero() throws Exception {
        try (InProcessModelServer fixture = new InProcessModelServer("v2.0.0", FaultInjector.DISABLED);
                MetricsEndpoint endpoint = MetricsEndpoint.start(fixture.metrics, 0)) {
            PrometheusText metrics = PrometheusText.parse(scrape(endpoint.port()));
            assertThat(metrics.value("siskin_model_injected_wrong_answers_total", "version", "v2.0.0")).isZero();
        }
    }

    private static double outOfRange(PrometheusText metrics, String feature) {
        return metrics.value("siskin_model_out_of_range_features_total", "feature", feature, "version", "v2.0.0");
    }

    private static String scrape(int port) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> response = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        return response.body();
    }
}
