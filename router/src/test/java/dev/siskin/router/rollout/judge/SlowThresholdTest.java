package dev.siskin.router.rollout.judge;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SlowThresholdTest {

  @Test
  void opensAtTheNearestRankQuantilePlusSlackOnceTheFirstWindowIsIn() {
    SlowThreshold threshold = new SlowThreshold(500, 0.95, 1_000_000);
    // 1 ms .. 500 ms in reverse order: the 475th smallest is 475 ms.
    for (int i = 500; i > 1; i--) {
      threshold.offerBaseline(i * 1_000_000L);
    }
    assertThat(threshold.open()).isFalse();
    assertThat(threshold.thresholdNanos()).isEqualTo(-1);
    assertThat(threshold.collected()).isEqualTo(499);
    threshold.offerBaseline(1_000_000L);
    assertThat(threshold.open()).isTrue();
    assertThat(threshold.thresholdNanos()).isEqualTo(476_000_000L);
    threshold.offerBaseline(10_000_000_000L);
    assertThat(threshold.thresholdNanos()).as("taken again only every 50 calls").isEqualTo(476_000_000L);
    assertThat(threshold.collected()).isEqualTo(500);
  }

  @Test
  void followsTheBaselineOnceItsSlowStartHasLeftTheWindow() {
    SlowThreshold threshold = new SlowThreshold(100, 0.95, 1_000_000);
    for (int i = 0; i < 100; i++) {
      threshold.offerBaseline(40_000_000L); // a cold start: every call 40 ms
    }
    assertThat(threshold.thresholdNanos()).isEqualTo(41_000_000L);
    for (int i = 0; i < 99; i++) {
      threshold.offerBaseline(2_000_000L); // then 2 ms
    }
    assertThat(threshold.thresholdNanos()).as("one cold call left in the window, above the 95th").isEqualTo(41_000_000L);
    threshold.offerBaseline(2_000_000L);
    assertThat(threshold.thresholdNanos()).as("taken again at the 100th: the window is warm").isEqualTo(3_000_000L);
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
