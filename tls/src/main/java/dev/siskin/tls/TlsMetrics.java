package dev.siskin.tls;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.time.Instant;

/**
 * The TLS metrics of a server that serves TLS (the model server, the router): seconds until the serving
 * certificate chain (and the client CA) expire, computed at each scrape from what serves then, and the reloads of
 * the TLS files by result. Registered only when TLS is on.
 */
public final class TlsMetrics implements ReloadingTls.Listener {
    private final Counter reloads;
    private volatile ReloadingTls tls;

    /** @param prefix the metric names' start, e.g. {@code siskin_model} gives {@code siskin_model_tls_reloads_total} */
    public TlsMetrics(PrometheusRegistry registry, String prefix) {
        reloads = Counter.builder()
                .name(prefix + "_tls_reloads_total")
                .help("Changes of the TLS files seen, by result: ok (new connections use the new files) or error "
                        + "(rejected and logged; the previous certificate keeps serving)")
                .labelNames("result")
                .register(registry);
        reloads.labelValues("ok");
        reloads.labelValues("error");
        GaugeWithCallback.builder()
                .name(prefix + "_tls_certificate_expiry_seconds")
                .help("Seconds until the first certificate of the file to expire does so (negative once it has): "
                        + "the serving chain and the client CA, named by the setting that names the file")
                .labelNames("file")
                .callback(callback -> {
                    ReloadingTls source = tls;
                    if (source != null) {
                        TlsIdentity identity = source.current();
                        callback.call(secondsUntil(identity.chainExpiry()), source.files().cert().setting());
                        identity.trustExpiry().ifPresent(expiry -> callback.call(secondsUntil(expiry),
                                source.files().trust().orElseThrow().setting()));
                    }
                })
                .register(registry);
    }

    /** From now on the expiry gauges report what {@code serving} serves. */
    public void follow(ReloadingTls serving) {
        tls = serving;
    }

    private static double secondsUntil(Instant expiry) {
        return Duration.between(Instant.now(), expiry).toMillis() / 1000.0;
    }

    @Override
    public void reloaded(TlsIdentity identity) {
        reloads.labelValues("ok").inc();
    }

    @Override
    public void rejected(TlsFileException error) {
        reloads.labelValues("error").inc();
    }
}
