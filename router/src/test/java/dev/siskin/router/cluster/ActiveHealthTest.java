package dev.siskin.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ActiveHealthTest {
  private final ActiveHealth health = new ActiveHealth();

  @Test
  void theFirstResultDecidesAtOnce() {
    assertThat(health.verdict()).isEqualTo(ActiveHealth.Verdict.UNKNOWN);
    assertThat(health.record(false, true, 2, 2)).isTrue();
    assertThat(health.verdict()).isEqualTo(ActiveHealth.Verdict.UNHEALTHY);

    ActiveHealth other = new ActiveHealth();
    assertThat(other.record(true, true, 2, 2)).isTrue();
    assertThat(other.verdict()).isEqualTo(ActiveHealth.Verdict.HEALTHY);
  }

  @Test
  void aFirstCheckThatOnlyTimedOutCountsAgainstTheThresholdLikeAnyLaterFailure() {
    assertThat(health.record(false, false, 2, 3)).isFalse();
    assertThat(health.verdict()).isEqualTo(ActiveHealth.Verdict.UNKNOWN); // still routed to
    assertThat(health.record(false, false, 2, 3)).isFalse();
    assertThat(health.record(false, false, 2, 3)).isTrue(); // the third timeout in a row: unhealthy
    assertThat(health.verdict()).isEqualTo(ActiveHealth.Verdict.UNHEALTHY);

    ActiveHealth slowThenUp = new ActiveHealth();
    assertThat(slowThenUp.record(false, false, 2, 2)).isFalse();
    assertThat(slowThenUp.record(true, true, 2, 2)).isTrue(); // a pass still decides at once
    assertThat(slowThenUp.verdict()).isEqualTo(ActiveHealth.Verdict.HEALTHY);

    ActiveHealth slowThenRefused = new ActiveHealth();
    slowThenRefused.record(false, false, 2, 3);
    assertThat(slowThenRefused.record(false, true, 2, 3)).isTrue(); // a definite failure decides at once
    assertThat(slowThenRefused.verdict()).isEqualTo(ActiveHealth.Verdict.UNHEALTHY);
  }

  @Test
  void aHealthyBackendTurnsUnhealthyOnlyAfterTheThresholdOfFailuresInARow() {
    health.record(true, true, 2, 3);
    assertThat(health.record(false, true, 2, 3)).isFalse();
    assertThat(health.record(false, true, 2, 3)).isFalse();
    assertThat(health.record(true, true, 2, 3)).isFalse(); // the run is broken
    assertThat(health.record(false, true, 2, 3)).isFalse();
    assertThat(health.record(false, true, 2, 3)).isFalse();
    assertThat(health.verdict()).isEqualTo(ActiveHealth.Verdict.HEALTHY);
    assertThat(health.record(false, true, 2, 3)).isTrue();
    assertThat(health.verdict()).isEqualTo(ActiveHealth.Verdict.UNHEALTHY);
  }

  @Test
  void anUnhealthyBackendComesBackAfterTheHealthyThreshold() {
    health.record(false, true, 2, 2);
    assertThat(health.record(true, true, 2, 2)).isFalse();
    assertThat(health.record(false, true, 2, 2)).isFalse();
    assertThat(health.record(true, true, 2, 2)).isFalse();
    assertThat(health.record(true, true, 2, 2)).isTrue();
    assertThat(health.verdict()).isEqualTo(ActiveHealth.Verdict.HEALTHY);
  }

  @Test
  void thresholdsOfOneFollowEveryResult() {
    health.record(true, true, 1, 1);
    assertThat(health.record(false, true, 1, 1)).isTrue();
    assertThat(health.record(true, true, 1, 1)).isTrue();
  }

  @Test
  void resetForgetsTheVerdict() {
    health.record(false, true, 2, 2);
    assertThat(health.reset()).isTrue();
    assertThat(health.verdict()).isEqualTo(ActiveHealth.Verdict.UNKNOWN);
    assertThat(health.reset()).isFalse();
  }
}
