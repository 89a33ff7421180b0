package dev.siskin.model.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Optional;

/** The {@code /metrics} HTTP endpoint (Prometheus text format) of one server's {@link ModelMetrics}, JVM metrics included. */
public final class MetricsEndpoint implements AutoCloseable {
    private final HTTPServer server;

    private MetricsEndpoint(HTTPServer server) {
        this.server = server;
    }

    /** Serves on all interfaces at {@code port} (0 = a free port). */
    public static MetricsEndpoint start(ModelMetrics metrics, int port) throws IOException {
        return start(metrics, Optional.empty(), port);
    }

    /** Serves on {@code host} (empty = all interfaces) at {@code port} (0 = a free port). */
    public static MetricsEndpoint start(ModelMetrics metrics, Optional<InetAddress> host, int port) throws IOException {
        JvmMetrics.builder().register(metrics.registry());
        HTTPServer.Builder builder = HTTPServer.builder().port(port).registry(metrics.registry());
        host.ifPresent(builder::inetAddress);
        return new MetricsEndpoint(builder.buildAndStart());
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
