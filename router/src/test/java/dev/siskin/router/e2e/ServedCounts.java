package dev.siskin.router.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.siskin.router.metrics.PrometheusTextParser;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * What each backend served, as three independent observers count it: the router's /clusters, the router's
 * /metrics ({@code siskin_router_calls_total} of Predict) and each model server's own /metrics. Keys such
 * as {@code clusters v1 OK}, {@code metrics v2 INVALID_ARGUMENT}, {@code model v1 predictions}. Immutable.
 */
record ServedCounts(Map<String, Long> counts) {
  static final String PREDICT = "mlservice.v1.PredictionService/Predict";

  static ServedCounts read(E2eCluster cluster) throws IOException, InterruptedException {
    Map<String, Long> counts = new TreeMap<>();
    for (JsonNode backend : cluster.admin().clusters().get("backends")) {
      String name = backend.get("name").asText();
      counts.put("clusters " + name + " total", backend.get("callsTotal").asLong());
      backend.get("callsByStatus").fields()
          .forEachRemaining(e -> counts.put("clusters " + name + " " + e.getKey(), e.getValue().asLong()));
    }
    for (PrometheusTextParser.Sample s : samples(cluster.admin().metrics(), "siskin_router_calls_total")) {
      if (PREDICT.equals(s.labels().get("method"))) {
        counts.put("metrics " + s.labels().get("backend") + " " + s.labels().get("code"), (long) s.value());
      }
    }
    for (var server : Map.of("v1", cluster.v1, "v2", cluster.v2).entrySet()) {
      var metrics = AdminClient.scrape(server.getValue().metricsUrl());
      counts.put("model " + server.getKey() + " predictions", sum(metrics, "siskin_model_predictions_total"));
      counts.put("model " + server.getKey() + " validation failures",
          sum(metrics, "siskin_model_validation_failures_total"));
    }
    return new ServedCounts(Map.copyOf(counts));
  }

  /** This minus {@code before}, key by key (a key missing before counts as 0). */
  ServedCounts since(ServedCounts before) {
    Map<String, Long> delta = new TreeMap<>();
    counts.forEach((key, value) -> delta.put(key, value - before.counts.getOrDefault(key, 0L)));
    return new ServedCounts(delta);
  }

  long get(String key) {
    return counts.getOrDefault(key, 0L);
  }

  private static java.util.List<PrometheusTextParser.Sample> samples(
      Map<String, PrometheusTextParser.Family> families, String sampleName) {
    return families.values().stream().flatMap(f -> f.samples().stream())
        .filter(s -> s.name().equals(sampleName)).toList();
  }

  private static long sum(Map<String, PrometheusTextParser.Family> families, String sampleName) {
    return (long) samples(families, sampleName).stream().mapToDouble(PrometheusTextParser.Sample::value).sum();
  }
}
