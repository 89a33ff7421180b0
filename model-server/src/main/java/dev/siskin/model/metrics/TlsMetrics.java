package dev.siskin.model.metrics;

import dev.siskin.tls.ReloadingTls;
import dev.siskin.tls.TlsFileException;
import dev.siskin.tls.TlsIdentity;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import java.time.Duration;
import java.time.Instant;

/**
 * The TLS metrics of a model server that serves TLS: seconds until the serving certificate chain (and the client
 * CA) expire, computed at each scrape from what serves then, and the reloads of the TLS files by result.
 * Registered only when TLS is on.
 */
public final class TlsMetrics implements ReloadingTls.Listener {
    private final Counter reloads;
    private volatile ReloadingTls tls;

    public TlsMetrics(ModelMetrics metrics) {
        reloads = Counter.builder()
                .name("siskin_model_tls_reloads_total")
                .help("Changes of the TLS files seen, by result: ok (new connections use the new files) or error "
                        + "(rejected and logged; the previous certificate keeps serving)")
                .labelNames("result")
                .register(metrics.registry());
        reloads.labelValues("ok");
        reloads.labelValues("error");
        GaugeWithCallback.builder()
                .name("siskin_model_tls_certificate_expiry_seconds")
                .help("Seconds until the first certificate of the file to expire does so (negative once it has): "
                        + "the serving chain (file=TLS_CERT) and the client CA (file=TLS_CLIENT_CA)")
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
                .register(metrics.registry());
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
