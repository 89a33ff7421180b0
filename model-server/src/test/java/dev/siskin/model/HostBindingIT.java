package dev.siskin.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.siskin.model.testing.MetricsScrape;
import dev.siskin.model.testing.ModelServerProcess;
import dev.siskin.proto.v1.HealthRequest;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * HOST binds both ports to one address, so that several replicas share one port on different loopback addresses
 * (Linux routes all of 127.0.0.0/8 to loopback), as pods share one port on their own IPs.
 */
class HostBindingIT {
    private static final String FIRST = "127.0.0.2";
    private static final String SECOND = "127.0.0.3";

    @Test
    void twoServersShareOnePortOnTwoLoopbackAddresses() throws Exception {
        int port = portFreeOnAll(FIRST, SECOND, "127.0.0.1");
        int metricsPort = portFreeOnAll(FIRST, SECOND, "127.0.0.1");
        try (ModelServerProcess v1 = start(FIRST, "models/iris-v1.0.0.tribuo", port, metricsPort);
                ModelServerProcess v2 = start(SECOND, "models/iris-v2.0.0.tribuo", port, metricsPort)) {
            assertThat(v1.awaitGrpcPort()).isEqualTo(port);
            assertThat(v2.awaitGrpcPort()).isEqualTo(port);
            assertThat(v1.lines()).anyMatch(l -> l.contains("on port " + port + ", metrics on port " + metricsPort
                    + ", bound to " + FIRST + " (HOST)"));

            // Each address answers with its own server: the versions tell them apart.
            assertThat(healthVersion(FIRST, port)).isEqualTo("v1.0.0");
            assertThat(healthVersion(SECOND, port)).isEqualTo("v2.0.0");
            assertThat(MetricsScrape.scrape(FIRST, metricsPort).samples())
                    .anyMatch(s -> s.name().equals("siskin_model_info") && "v1.0.0".equals(s.labels().get("version")));
            assertThat(MetricsScrape.scrape(SECOND, metricsPort).samples())
                    .anyMatch(s -> s.name().equals("siskin_model_info") && "v2.0.0".equals(s.labels().get("version")));
            // Bound to their addresses only: the same port on another loopback address is not served.
            assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
            assertThatThrownBy(() -> new Socket("127.0.0.1", metricsPort).close()).isInstanceOf(ConnectException.class);

            for (ModelServerProcess server : List.of(v1, v2)) {
                server.terminate();
                assertThat(server.awaitExit(Duration.ofSeconds(60))).as(server.output()).isZero();
            }
        }
    }

    @Test
    void unparsableHostStopsItNamingHost() throws Exception {
        assertFailsWith("256.1.1.1", "model-server: cannot start: HOST=256.1.1.1 is not an IP address (expected: an "
                + "IPv4 or IPv6 address of this machine such as 127.0.0.1 or ::1, or unset to listen on all interfaces)");
    }

    @Test
    void addressOfAnotherMachineStopsItNamingHost() throws Exception {
        // 192.0.2.1 (TEST-NET-1) is never assigned to a machine: binding it fails, nothing is sent anywhere.
        assertFailsWith("192.0.2.1", "; set HOST to one of its addresses, e.g. 127.0.0.1, or unset it to listen on "
                + "all interfaces)");
    }

    private static void assertFailsWith(String host, String ending) throws Exception {
        try (ModelServerProcess server = ModelServerProcess.start(
                Map.of("MODEL_PATH", "models/iris-v1.0.0.tribuo", "PORT", "0", "HOST", host))) {
            assertThat(server.awaitExit(Duration.ofSeconds(60))).isEqualTo(2);
            assertThat(server.lines()).as("output").hasSize(1);
            assertThat(server.lines().get(0)).contains(" ERROR ").contains("HOST=" + host).endsWith(ending);
        }
    }

    private static ModelServerProcess start(String host, String model, int port, int metricsPort) throws IOException {
        return ModelServerProcess.start(Map.of("HOST", host, "MODEL_PATH", model, "PORT", String.valueOf(port),
                "METRICS_PORT", String.valueOf(metricsPort), "DRAIN_GRACE_MS", "0"));
    }

    private static String healthVersion(String host, int port) throws InterruptedException {
        ManagedChannel channel = Grpc.newChannelBuilderForAddress(host, port, InsecureChannelCredentials.create())
                .build();
        try {
            return PredictionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .health(HealthRequest.getDefaultInstance()).getModelVersion();
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** A port the kernel hands out on the first address that is also free on the others (at most 20 tries). */
    private static int portFreeOnAll(String first, String... others) throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(first, 0));
                int port = probe.getLocalPort();
                if (freeOn(port, others)) {
                    return port;
                }
            }
        }
        throw new AssertionError("no port free on " + first + " and " + List.of(others) + " in 20 tries");
    }

    private static boolean freeOn(int port, String... hosts) {
        for (String host : hosts) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(host, port));
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
