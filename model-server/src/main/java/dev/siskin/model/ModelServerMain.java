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
import java.io.IOException;
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

    private record Running(ModelServerSettings settings, ModelGrpcServer server, Optional<MetricsEndpoint> metricsEndpoint) {}

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
        Optional<MetricsEndpoint> endpoint = Optional.empty();
        if (settings.metricsPort().isPresent()) {
            int port = settings.metricsPort().getAsInt();
            try {
                endpoint = Optional.of(MetricsEndpoint.start(metrics, settings.host(), port));
            } catch (IOException e) {
                throw new StartupException("cannot listen for metrics on " + where(settings, port) + ": "
                        + e.getMessage() + " (set METRICS_PORT to a free port, or unset it)", e);
            }
        }
        ModelGrpcServer server;
        try {
            server = ModelGrpcServer.start(
                    ModelGrpcServer.onAddress(settings.host(), settings.port(), settings.keepAlivePermitTime()),
                    model, faults, metrics);
        } catch (IOException e) {
            endpoint.ifPresent(MetricsEndpoint::close);
            throw new StartupException("cannot listen on " + where(settings, settings.port()) + ": " + rootMessage(e)
                    + " (set PORT to a free port)", e);
        }
        // The host comes after the ports, so that readers of "on port N, metrics on port M" keep working.
        log.info("model-server: serving model {} from {} (sha256 {}) on port {}{}{}{}",
                model.version(), model.file(), model.sha256(), server.port(),
                endpoint.map(e -> ", metrics on port " + e.port()).orElse(""),
                settings.host().map(h -> ", bound to " + h.getHostAddress() + " (HOST)").orElse(""),
                faults.enabled() ? ", FAULT INJECTION ON: " + settings.faults() : "");
        return new Running(settings, server, endpoint);
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
