package dev.siskin.model.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.siskin.model.fault.FaultInjector;
import dev.siskin.model.predict.IrisClassifier;
import dev.siskin.model.testing.BadRequests;
import dev.siskin.model.testing.InProcessModelServer;
import dev.siskin.model.testing.IrisRows;
import dev.siskin.model.testing.IrisRows.Row;
import dev.siskin.model.testing.PrometheusText;
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
            assertThat(metrics.value("siskin_model_validation_failures_total", "reason", "missing")).isEqualTo(1.0);
            assertThat(metrics.value("siskin_model_validation_failures_total", "reason", "repeated")).isEqualTo(1.0);
            assertThat(metrics.value("siskin_model_validation_failures_total", "reason", "unknown")).isEqualTo(1.0);
            assertThat(metrics.value("siskin_model_validation_failures_total", "reason", "empty_name")).isEqualTo(1.0);
            assertThat(metrics.value("siskin_model_validation_failures_total", "reason", "not_a_number")).isEqualTo(1.0);
            assertThat(metrics.value("siskin_model_validation_failures_total", "reason", "infinite")).isEqualTo(2.0);
            assertThat(metrics.value("siskin_model_predict_duration_seconds_count", "code", "OK")).isEqualTo(15.0);
            assertThat(metrics.value("siskin_model_predict_duration_seconds_count", "code", "INVALID_ARGUMENT"))
                    .isEqualTo(7.0);
            assertThat(metrics.value("siskin_model_predict_duration_seconds_bucket", "code", "OK", "le", "+Inf"))
                    .isEqualTo(15.0);
            assertThat(metrics.value("siskin_model_info", "version", "v1.0.0", "sha256", fixture.model.sha256()))
                    .isEqualTo(1.0);
            assertThat(metrics.samples()).anyMatch(s -> s.name().startsWith("jvm_memory_used_bytes"));
        }
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
