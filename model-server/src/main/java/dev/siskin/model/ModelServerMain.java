package dev.siskin.model;

import dev.siskin.model.config.BindAddress;
import dev.siskin.model.config.ModelServerSettings;
import dev.siskin.model.config.SettingsException;
import dev.siskin.model.fault.FaultInjector;
import dev.siskin.model.load.LoadedModel;
import dev.siskin.model.load.ModelLoadException;
import dev.siskin.model.load.ModelLoader;
import dev.siskin.model.metrics.MetricsEndpoint;
import dev.siskin.model.metrics.ModelMetrics;
import dev.siskin.model.server.ModelGrpcServer;
import dev.siskin.tls.ReloadingTls;
import dev.siskin.tls.TlsMetrics;
import dev.siskin.tls.TlsFileException;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one model version over gRPC until SIGTERM/SIGINT, then drains and exits 0 (1 if in-flight calls had to be
 * cancelled). Anything that stops it from starting is one ERROR line and exit status 2.
 */
public final class ModelServerMain {
    private static final Logger log = LoggerFactory.getLogger(ModelServerMain.class);
    static final int EXIT_OK = 0;
    static final int EXIT_DRAIN_TIMED_OUT = 1;
    static final int EXIT_CANNOT_START = 2;
    /** How often the TLS files are re-read even when no change event came. */
    private static final Duration TLS_CHECK_PERIOD = Duration.ofSeconds(1);

    private ModelServerMain() {}

    public static void main(String[] args) {
        Logging.routeJulToSlf4j();
        System.exit(run(System.getenv()));
    }

    static int run(Map<String, String> environment) {
        ShutdownSignal signal = ShutdownSignal.install();
        Running running;
        try {
            running = start(environment);
        } catch (StartupException e) {
            log.error("model-server: cannot start: {}", e.getMessage());
            log.debug("start-up failure", e);
            return EXIT_CANNOT_START;
        } catch (RuntimeException e) {
            log.error("model-server: cannot start: unexpected {} (run with LOG_LEVEL=DEBUG for details)", e.toString());
            log.debug("start-up failure", e);
            return EXIT_CANNOT_START;
        }
        try {
            signal.await();
            log.info("model-server: draining (health 'draining', grpc.health.v1 NOT_SERVING; accepting calls for "
                    + "{} ms, then finishing in-flight calls within {} ms)", running.settings.drainGrace().toMillis(),
                    running.settings.drainTimeout().toMillis());
            boolean clean = running.server.drain(running.settings.drainGrace(), running.settings.drainTimeout());
            running.metricsEndpoint.ifPresent(MetricsEndpoint::close);
            running.tls.ifPresent(ReloadingTls::close);
            if (!clean) {
                log.warn("model-server: in-flight calls did not finish within {} ms and were cancelled",
                        running.settings.drainTimeout().toMillis());
                return EXIT_DRAIN_TIMED_OUT;
            }
            log.info("model-server: stopped");
            return EXIT_OK;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_DRAIN_TIMED_OUT;
        }
    }

    private record Running(ModelServerSettings settings, ModelGrpcServer server, Optional<MetricsEndpoint> metricsEndpoint,
            Optional<ReloadingTls> tls) {}

    private static Running start(Map<String, String> environment) throws StartupException {
        ModelServerSettings settings;
        LoadedModel model;
        try {
            settings = ModelServerSettings.fromEnvironment(environment);
            if (settings.host().isPresent()) {
                BindAddress.requireOfThisMachine(settings.host().get(), "HOST");
            }
            model = ModelLoader.load(settings.modelPath(), settings.expectedVersion());
        } catch (SettingsException | ModelLoadException e) {
            throw new StartupException(e.getMessage(), e);
        }
        ModelMetrics metrics = new ModelMetrics(model.version(), model.sha256());
        FaultInjector faults = new FaultInjector(settings.faults());
        Optional<ReloadingTls> tls = startTls(settings, metrics);
        Optional<MetricsEndpoint> endpoint = Optional.empty();
        if (settings.metricsPort().isPresent()) {
            int port = settings.metricsPort().getAsInt();
            try {
                endpoint = Optional.of(MetricsEndpoint.start(metrics, settings.host(), port));
            } catch (IOException e) {
                tls.ifPresent(ReloadingTls::close);
                throw new StartupException("cannot listen for metrics on " + where(settings, port) + ": "
                        + e.getMessage() + " (set METRICS_PORT to a free port, or unset it)", e);
            }
        }
        ServerCredentials credentials = tls.map(ModelGrpcServer::tlsCredentials)
                .orElseGet(InsecureServerCredentials::create);
        ModelGrpcServer server;
        try {
            server = ModelGrpcServer.start(ModelGrpcServer.onAddress(settings.host(), settings.port(),
                    settings.keepAlivePermitTime(), credentials), model, faults, metrics);
        } catch (IOException e) {
            endpoint.ifPresent(MetricsEndpoint::close);
            tls.ifPresent(ReloadingTls::close);
            throw new StartupException("cannot listen on " + where(settings, settings.port()) + ": " + rootMessage(e)
                    + " (set PORT to a free port)", e);
        }
        // The host comes after the ports, so that readers of "on port N, metrics on port M" keep working.
        log.info("model-server: serving model {} from {} (sha256 {}) on port {}{}{}{}{}",
                model.version(), model.file(), model.sha256(), server.port(),
                endpoint.map(e -> ", metrics on port " + e.port()).orElse(""),
                settings.host().map(h -> ", bound to " + h.getHostAddress() + " (HOST)").orElse(""),
                tls.map(ModelServerMain::describeTls).orElse(""),
                faults.enabled() ? ", FAULT INJECTION ON: " + settings.faults() : "");
        return new Running(settings, server, endpoint, tls);
    }

    /** Loads and starts watching the TLS files when TLS_CERT and TLS_KEY are set; a bad file stops the start. */
    private static Optional<ReloadingTls> startTls(ModelServerSettings settings, ModelMetrics metrics)
            throws StartupException {
        if (settings.tls().isEmpty()) {
            return Optional.empty();
        }
        TlsMetrics tlsMetrics = new TlsMetrics(metrics.registry(), "siskin_model");
        try {
            // Client certificates are checked against the CA alone: a client's name is not an address to verify.
            ReloadingTls tls = ReloadingTls.start("model-server", settings.tls().get(), TLS_CHECK_PERIOD, tlsMetrics,
                    AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION);
            tlsMetrics.follow(tls);
            return Optional.of(tls);
        } catch (TlsFileException e) {
            throw new StartupException(e.getMessage(), e);
        }
    }

    /** ", TLS with subject CN=..., serial ..., expires ... (TLS_CERT=...), client certificates required (...)". */
    private static String describeTls(ReloadingTls tls) {
        return ", TLS with " + tls.current().describe() + " (" + tls.files().cert() + ")"
                + tls.files().trust().map(ca -> ", client certificates signed by " + ca + " required").orElse("");
    }

    /** "port 50051", or "127.0.0.2 port 50051" when HOST is set. */
    private static String where(ModelServerSettings settings, int port) {
        return settings.host().map(h -> h.getHostAddress() + " port ").orElse("port ") + port;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage());
    }

    /** Start-up failed; the message is the one line shown to the operator. */
    private static final class StartupException extends Exception {
        StartupException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
