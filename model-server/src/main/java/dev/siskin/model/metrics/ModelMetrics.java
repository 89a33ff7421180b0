package dev.siskin.model.metrics;

import dev.siskin.model.iris.Iris;
import dev.siskin.model.predict.InvalidFeatureException;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The model server's Prometheus metrics, in a registry of its own (one per server, so tests do not share counts).
 * Thread-safe: the Prometheus client's metrics are. Counting is always on and cheap; the metrics are exposed only
 * when METRICS_PORT is set (see {@link MetricsEndpoint}).
 */
public final class ModelMetrics {
    // Buckets from 100 µs to 10 s: an in-process prediction takes tens of µs, injected faults up to seconds.
    private static final double[] LATENCY_BUCKETS = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
    };

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final String version;
    private final Counter predictions;
    private final Counter validationFailures;
    private final Counter injectedFaults;
    private final Counter injectedWrongAnswers;
    private final Counter outOfRangeFeatures;
    private final Histogram latency;

    public ModelMetrics(String version, String sha256) {
        this.version = version;
        predictions = counter("siskin_model_predictions_total",
                "Predictions answered, by predicted species and model version", "species");
        validationFailures = counter("siskin_model_validation_failures_total",
                "Predict requests rejected with INVALID_ARGUMENT, by reason", "reason");
        injectedFaults = counter("siskin_model_injected_faults_total",
                "Predict calls failed on purpose by fault injection (FAULT_ERROR_RATE), by status code", "code");
        injectedWrongAnswers = Counter.builder()
                .name("siskin_model_injected_wrong_answers_total")
                .help("Predict calls answered on purpose with another species than the model's (FAULT_WRONG_RATE); "
                        + "siskin_model_predictions_total counts them under the species answered")
                .labelNames("version")
                .register(registry);
        outOfRangeFeatures = counter("siskin_model_out_of_range_features_total",
                "Predict calls answered although this feature was far outside the model's training range "
                        + "(below min - width or above max + width of the training rows)", "feature");
        latency = Histogram.builder()
                .name("siskin_model_predict_duration_seconds")
                .help("Time from the arrival of a Predict call to its answer, injected latency included, by status")
                .labelNames("code", "version")
                .classicOnly()
                .classicUpperBounds(LATENCY_BUCKETS)
                .register(registry);
        Info info = Info.builder()
                .name("siskin_model_info")
                .help("The model this server serves")
                .labelNames("version", "sha256")
                .register(registry);
        info.setLabelValues(version, sha256);
        // Every species, reason and feature starts at 0, so rates and ratios work from the first scrape.
        for (String species : Iris.SPECIES) {
            predictions.labelValues(species, version);
        }
        injectedWrongAnswers.labelValues(version);
        for (String feature : Iris.FEATURES) {
            outOfRangeFeatures.labelValues(feature, version);
        }
        for (InvalidFeatureException.Reason reason : InvalidFeatureException.Reason.values()) {
            validationFailures.labelValues(reason.label(), version);
        }
    }

    private Counter counter(String name, String help, String label) {
        return Counter.builder().name(name).help(help).labelNames(label, "version").register(registry);
    }

    public void predicted(String species, long nanos) {
        predictions.labelValues(species, version).inc();
        observe(Status.Code.OK, nanos);
    }

    /** One answered call in which {@code feature} was far outside its training range. */
    public void outOfRange(String feature) {
        outOfRangeFeatures.labelValues(feature, version).inc();
    }

    public void rejected(InvalidFeatureException.Reason reason, long nanos) {
        validationFailures.labelValues(reason.label(), version).inc();
        observe(Status.Code.INVALID_ARGUMENT, nanos);
    }

    public void injectedFault(Status.Code code, long nanos) {
        injectedFaults.labelValues(code.name(), version).inc();
        observe(code, nanos);
    }

    /** One answered call given another species than the model's; {@link #predicted} counts it too. */
    public void injectedWrongAnswer() {
        injectedWrongAnswers.labelValues(version).inc();
    }

    public void failed(Status.Code code, long nanos) {
        observe(code, nanos);
    }

    private void observe(Status.Code code, long nanos) {
        latency.labelValues(code.name(), version).observe(nanos / 1e9);
    }

    public PrometheusRegistry registry() {
        return registry;
    }
}
