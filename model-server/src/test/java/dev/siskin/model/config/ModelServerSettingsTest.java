package dev.siskin.model.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ModelServerSettingsTest {

    @Test
    void defaultsComeFromReferenceConf() throws Exception {
        ModelServerSettings s = ModelServerSettings.fromEnvironment(Map.of());
        assertThat(s.modelPath()).isEqualTo(Path.of("models/iris-v1.0.0.tribuo"));
        assertThat(s.expectedVersion()).isEmpty();
        assertThat(s.host()).as("all interfaces").isEmpty();
        assertThat(s.port()).isEqualTo(50051);
        assertThat(s.metricsPort()).isEmpty();
        assertThat(s.drainGrace()).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.drainTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.faults().enabled()).isFalse();
        assertThat(s.faults().wrongRate()).isZero();
    }

    @Test
    void environmentWins() throws Exception {
        ModelServerSettings s = ModelServerSettings.fromEnvironment(Map.of(
                "MODEL_PATH", "models/iris-v2.0.0.tribuo",
                "MODEL_VERSION", "v2.0.0",
                "PORT", "50053",
                "METRICS_PORT", "9464",
                "DRAIN_GRACE_MS", "250",
                "DRAIN_TIMEOUT_MS", "4000",
                "FAULT_LATENCY_MS", "p50=20,p99=200",
                "FAULT_ERROR_RATE", "0.3",
                "FAULT_ERROR_CODE", "internal",
                "FAULT_SEED", "7"));
        assertThat(s.modelPath()).isEqualTo(Path.of("models/iris-v2.0.0.tribuo"));
        assertThat(s.expectedVersion()).isEqualTo(Optional.of("v2.0.0"));
        assertThat(s.port()).isEqualTo(50053);
        assertThat(s.metricsPort()).isEqualTo(OptionalInt.of(9464));
        assertThat(s.drainGrace()).isEqualTo(Duration.ofMillis(250));
        assertThat(s.drainTimeout()).isEqualTo(Duration.ofMillis(4000));
        assertThat(s.faults().latency().millisAt(0.5)).isEqualTo(20.0);
        assertThat(s.faults().errorRate()).isEqualTo(0.3);
        assertThat(s.faults().errorCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(s.faults().seed()).isEqualTo(OptionalLong.of(7));
    }

    @Test
    void wrongRateComesFromTheEnvironment() throws Exception {
        ModelServerSettings s = ModelServerSettings.fromEnvironment(Map.of("FAULT_WRONG_RATE", "0.25"));
        assertThat(s.faults().wrongRate()).isEqualTo(0.25);
        assertThat(s.faults().enabled()).isTrue();
    }

    @Test
    void unrelatedVariablesWithOddNamesAreIgnored() throws Exception {
        assertThat(ModelServerSettings.fromEnvironment(Map.of("BASH_FUNC_x%%", "() { :; }", "a.b", "c")).port())
                .isEqualTo(50051);
    }

    @Test
    void badPortNamesTheVariable() {
        assertThatThrownBy(() -> ModelServerSettings.fromEnvironment(Map.of("PORT", "http")))
                .isInstanceOf(SettingsException.class)
                .hasMessage("PORT=http is not a port (expected: an integer 0-65535, 0 = any free port)");
        assertThatThrownBy(() -> ModelServerSettings.fromEnvironment(Map.of("METRICS_PORT", "70000")))
                .hasMessage("METRICS_PORT=70000 is not a port (expected: an integer 0-65535, 0 = any free port)");
    }

    @Test
    void hostIsAnIpLiteral() throws Exception {
        assertThat(ModelServerSettings.fromEnvironment(Map.of("HOST", "127.0.0.2")).host())
                .contains(InetAddress.getByAddress(new byte[] {127, 0, 0, 2}));
        assertThat(ModelServerSettings.fromEnvironment(Map.of("HOST", "::1")).host().orElseThrow().isLoopbackAddress())
                .isTrue();
        assertThat(ModelServerSettings.fromEnvironment(Map.of("HOST", "[::1]")).host())
                .isEqualTo(ModelServerSettings.fromEnvironment(Map.of("HOST", "::1")).host());
        assertThat(ModelServerSettings.fromEnvironment(Map.of("HOST", "0.0.0.0")).host().orElseThrow()
                .isAnyLocalAddress()).isTrue();
        assertThat(ModelServerSettings.fromEnvironment(Map.of("HOST", "")).host()).as("empty = unset").isEmpty();
    }

    @Test
    void badHostNamesTheVariable() {
        // Host names are refused too: no DNS lookup at start, and HOST=$(hostname) would bind one interface only.
        for (String bad : new String[] {"256.1.1.1", "1.2.3", "1.2.3.4.5", "localhost", "1::2::3", "127.0.0.1:50051",
                "[::1"}) {
            assertThatThrownBy(() -> ModelServerSettings.fromEnvironment(Map.of("HOST", bad)))
                    .isInstanceOf(SettingsException.class)
                    .hasMessage("HOST=" + bad + " is not an IP address (expected: an IPv4 or IPv6 address of this "
                            + "machine such as 127.0.0.1 or ::1, or unset to listen on all interfaces)");
        }
    }

    @Test
    void hostMustBeAnAddressOfThisMachine() throws Exception {
        // 127.0.0.0/8 is all loopback on Linux; 192.0.2.0/24 is TEST-NET-1, documentation only, never assigned.
        BindAddress.requireOfThisMachine(InetAddress.getByAddress(new byte[] {127, 0, 0, 3}), "HOST");
        assertThatThrownBy(() -> BindAddress.requireOfThisMachine(
                InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 1}), "HOST"))
                .isInstanceOf(SettingsException.class)
                .hasMessageStartingWith("HOST=192.0.2.1 is not an address of this machine (")
                .hasMessageEndingWith("; set HOST to one of its addresses, e.g. 127.0.0.1, or unset it to listen on "
                        + "all interfaces)");
    }

    @Test
    void badDurationNamesTheVariable() {
        assertThatThrownBy(() -> ModelServerSettings.fromEnvironment(Map.of("DRAIN_TIMEOUT_MS", "soon")))
                .hasMessage("DRAIN_TIMEOUT_MS=soon is not a duration (expected: milliseconds >= 0, e.g. 3000)");
        assertThatThrownBy(() -> ModelServerSettings.fromEnvironment(Map.of("DRAIN_GRACE_MS", "-1")))
                .hasMessage("DRAIN_GRACE_MS=-1 is not a duration (expected: milliseconds >= 0, e.g. 3000)");
    }

    @Test
    void badFaultSettingsNameTheVariable() {
        assertThatThrownBy(() -> ModelServerSettings.fromEnvironment(Map.of("FAULT_ERROR_RATE", "30%")))
                .hasMessageStartingWith("FAULT_ERROR_RATE=30% is not a rate (expected: a number from 0 to 1");
        assertThatThrownBy(() -> ModelServerSettings.fromEnvironment(Map.of("FAULT_ERROR_CODE", "BROKEN")))
                .hasMessageStartingWith("FAULT_ERROR_CODE=BROKEN is not an error status");
        assertThatThrownBy(() -> ModelServerSettings.fromEnvironment(Map.of("FAULT_ERROR_CODE", "OK")))
                .hasMessageStartingWith("FAULT_ERROR_CODE=OK is not an error status");
        assertThatThrownBy(() -> ModelServerSettings.fromEnvironment(Map.of("FAULT_SEED", "x")))
                .hasMessage("FAULT_SEED=x is not a seed (expected: an integer, or unset)");
        assertThatThrownBy(() -> ModelServerSettings.fromEnvironment(Map.of("FAULT_LATENCY_MS", "fast")))
                .hasMessageStartingWith("FAULT_LATENCY_MS=fast is not a latency spec");
    }

    @Test
    void badWrongRateNamesTheVariable() {
        for (String bad : new String[] {"1.5", "-0.1", "30%", "NaN", ""}) {
            assertThatThrownBy(() -> ModelServerSettings.fromEnvironment(Map.of("FAULT_WRONG_RATE", bad)))
                    .isInstanceOf(SettingsException.class)
                    .hasMessage("FAULT_WRONG_RATE=" + bad + " is not a rate (expected: a number from 0 to 1, "
                            + "e.g. 0.3 gives 30 % of Predict answers another species than the model's)");
        }
    }
}
