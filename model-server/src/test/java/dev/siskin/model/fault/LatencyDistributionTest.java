package dev.siskin.model.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.siskin.model.config.SettingsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LatencyDistributionTest {

    @Test
    void emptyMeansNone() throws Exception {
        LatencyDistribution none = LatencyDistribution.parse("  ");
        assertThat(none.isNone()).isTrue();
        assertThat(none.millisAt(0.99)).isZero();
    }

    @Test
    void aNumberIsAFixedLatency() throws Exception {
        LatencyDistribution fixed = LatencyDistribution.parse("50");
        assertThat(fixed.millisAt(0)).isEqualTo(50);
        assertThat(fixed.millisAt(0.5)).isEqualTo(50);
        assertThat(fixed.millisAt(0.999)).isEqualTo(50);
    }

    @Test
    void percentilesAreInterpolatedFromZeroAndFlatAfterTheLast() throws Exception {
        LatencyDistribution d = LatencyDistribution.parse("p50=20,p90=60,p99=200");
        assertThat(d.millisAt(0)).isZero();
        assertThat(d.millisAt(0.25)).isCloseTo(10, within(1e-9));
        assertThat(d.millisAt(0.5)).isCloseTo(20, within(1e-9));
        assertThat(d.millisAt(0.7)).isCloseTo(40, within(1e-9));
        assertThat(d.millisAt(0.9)).isCloseTo(60, within(1e-9));
        assertThat(d.millisAt(0.99)).isCloseTo(200, within(1e-9));
        assertThat(d.millisAt(0.999)).isCloseTo(200, within(1e-9));
    }

    @Test
    void anExplicitP0SetsTheMinimum() throws Exception {
        LatencyDistribution d = LatencyDistribution.parse("p0=100,p100=300");
        assertThat(d.millisAt(0)).isEqualTo(100);
        assertThat(d.millisAt(0.5)).isCloseTo(200, within(1e-9));
    }

    @ParameterizedTest
    @ValueSource(strings = {"fast", "-5", "p50", "p50=", "p50=x", "q50=20", "p150=20", "p90=20,p50=10",
            "p50=20,p90=10", "p50=20,,p90=30", "NaN", "Infinity"})
    void rejectsMalformedSpecsNamingTheVariable(String spec) {
        assertThatThrownBy(() -> LatencyDistribution.parse(spec))
                .isInstanceOf(SettingsException.class)
                .hasMessageStartingWith("FAULT_LATENCY_MS=" + spec + " is not a latency spec (expected: ");
    }
}
