package dev.siskin.router.rollout.judge;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SlowThresholdTest {

  @Test
  void freezesTheNearestRankQuantilePlusSlackOnceTheCallsAreIn() {
    SlowThreshold threshold = new SlowThreshold(500, 0.95, 1_000_000);
    // 1 ms .. 500 ms in reverse order: the 475th smallest is 475 ms.
    for (int i = 500; i > 1; i--) {
      threshold.offerBaseline(i * 1_000_000L);
    }
    assertThat(threshold.frozen()).isFalse();
    assertThat(threshold.thresholdNanos()).isEqualTo(-1);
    assertThat(threshold.collected()).isEqualTo(499);
    threshold.offerBaseline(1_000_000L);
    assertThat(threshold.frozen()).isTrue();
    assertThat(threshold.thresholdNanos()).isEqualTo(476_000_000L);
    threshold.offerBaseline(10_000_000_000L);
    assertThat(threshold.thresholdNanos()).isEqualTo(476_000_000L);
    assertThat(threshold.collected()).isEqualTo(500);
  }

  @Test
  void aQuantileOfTwentyCallsAtNinetyFivePercentIsTheNineteenth() {
    SlowThreshold threshold = new SlowThreshold(20, 0.95, 0);
    for (int i = 1; i <= 20; i++) {
      threshold.offerBaseline(i);
    }
    assertThat(threshold.thresholdNanos()).isEqualTo(19);
  }
}
