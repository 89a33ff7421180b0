package dev.siskin.router.rollout.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.grpc.Status;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JudgeSettingsTest {

  @Test
  void defaultsSplitOnePercentOverFourGates() {
    JudgeSettings settings = JudgeSettings.defaults();
    assertThat(settings.gates()).containsExactly(Gate.ERRORS, Gate.ERROR_RATE, Gate.LATENCY, Gate.PREDICTIONS);
    assertThat(settings.gateAlpha()).isCloseTo(0.0025, within(1e-15));
    assertThat(settings.maxFailureRate()).isEqualTo(0.05);
    assertThat(settings.p99Limit()).isNull();
    assertThat(settings.isFailure(Status.Code.UNAVAILABLE)).isTrue();
    assertThat(settings.isFailure(Status.Code.INVALID_ARGUMENT)).isFalse();
    assertThat(settings.isFailure(Status.Code.OK)).isFalse();
  }

  @Test
  void aP99LimitAddsAGateAndNoShadowingRemovesOne() {
    JudgeSettings settings = JudgeSettings.builder().p99Limit(Duration.ofMillis(50)).comparePredictions(false).build();
    assertThat(settings.gates()).containsExactly(Gate.ERRORS, Gate.ERROR_RATE, Gate.LATENCY, Gate.LATENCY_P99);
    assertThat(settings.gateAlpha()).isCloseTo(0.0025, within(1e-15));
    assertThat(settings.toBuilder().p99Limit(null).build().gateAlpha()).isCloseTo(0.01 / 3, within(1e-15));
  }

  @Test
  void defaultMinimumCallsCanAdvanceWithZeroFailures() {
    // The controller's default minimum is 300 canary calls per step: the failure-rate floor must be showable by then.
    JudgeSettings settings = JudgeSettings.defaults();
    assertThat(RateBound.provenBelow(0, 300, settings.maxFailureRate(), settings.promotionConfidence())).isTrue();
  }

  @Test
  void namesTheSettingThatIsOutOfRange() {
    assertThatThrownBy(() -> JudgeSettings.builder().alpha(0).build()).hasMessageStartingWith("alpha 0.0");
    assertThatThrownBy(() -> JudgeSettings.builder().failureCodes(Set.of()).build())
        .hasMessageContaining("failureCodes []");
    assertThatThrownBy(() -> JudgeSettings.builder().failureCodes(Set.of(Status.Code.OK)).build())
        .hasMessageContaining("other than OK");
    assertThatThrownBy(() -> JudgeSettings.builder().errorMargin(0.9).build()).hasMessageStartingWith("errorMargin");
    assertThatThrownBy(() -> JudgeSettings.builder().maxFailureRate(1).build())
        .hasMessageStartingWith("maxFailureRate");
    assertThatThrownBy(() -> JudgeSettings.builder().baselineCalls(19).build())
        .hasMessageStartingWith("baselineCalls 19 (expected: 20 to");
    assertThatThrownBy(() -> JudgeSettings.builder().latencySlack(Duration.ofMillis(-1)).build())
        .hasMessageStartingWith("latencySlack");
    assertThatThrownBy(() -> JudgeSettings.builder().latencyCanaryCalls(0).build())
        .hasMessageStartingWith("latencyCanaryCalls");
    assertThatThrownBy(() -> JudgeSettings.builder().p99Limit(Duration.ZERO).build())
        .hasMessageStartingWith("p99Limit");
    assertThatThrownBy(() -> JudgeSettings.builder().maxDisagreement(0).build())
        .hasMessageStartingWith("maxDisagreement");
    assertThatThrownBy(() -> JudgeSettings.builder().promotionConfidence(1).build())
        .hasMessageStartingWith("promotionConfidence");
  }
}
