package dev.siskin.model.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** One GET of a model server's /metrics on a loopback address, parsed strictly. */
public final class MetricsScrape {
    private MetricsScrape() {}

    public static PrometheusText scrape(int metricsPort) throws Exception {
        return scrape("127.0.0.1", metricsPort);
    }

    public static PrometheusText scrape(String host, int metricsPort) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://" + host + ":" + metricsPort + "/metrics"))
                        .timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return PrometheusText.parse(response.body());
    }
}
