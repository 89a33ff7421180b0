package dev.siskin.router.rollout.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RateBoundTest {

  @Test
  void zeroEventsShowSmallRatesAfterTheDocumentedCounts() {
    // 72 clean calls: (0.95^-72 + 0.9625^-72 + 0.975^-72) / 3 = 20.68 >= 20; 71 give 19.76.
    assertThat(RateBound.provenBelow(0, 72, 0.05, 0.95)).isTrue();
    assertThat(RateBound.provenBelow(0, 71, 0.05, 0.95)).isFalse();
    assertThat(RateBound.zeroEventTrials(0.05, 0.95)).isEqualTo(72);
    assertThat(RateBound.zeroEventTrials(0.02, 0.95)).isEqualTo(181);
    assertThat(RateBound.zeroEventTrials(0.01, 0.95)).isEqualTo(364);
    // One event: the no-event alternative is gone; 136 calls are needed for 5 %.
    assertThat(RateBound.provenBelow(1, 136, 0.05, 0.95)).isTrue();
    assertThat(RateBound.provenBelow(1, 135, 0.05, 0.95)).isFalse();
    assertThat(RateBound.provenBelow(1, 343, 0.02, 0.95)).isTrue();
    assertThat(RateBound.provenBelow(1, 342, 0.02, 0.95)).isFalse();
    assertThat(RateBound.provenBelow(1, 688, 0.01, 0.95)).isTrue();
    assertThat(RateBound.provenBelow(1, 687, 0.01, 0.95)).isFalse();
  }

  @Test
  void threeHundredCanaryCallsShowFivePercentWithUpToFiveFailures() {
    // Why the default failure-rate limit is 5 %: the default step minimum of 300 canary calls shows it with up to
    // 5 failures; 1 % cannot be shown by 300 calls even without a failure (364 are needed), 2 % only without one.
    assertThat(RateBound.provenBelow(5, 300, 0.05, 0.95)).isTrue();
    assertThat(RateBound.provenBelow(6, 300, 0.05, 0.95)).isFalse();
    assertThat(RateBound.provenBelow(0, 300, 0.02, 0.95)).isTrue();
    assertThat(RateBound.provenBelow(1, 300, 0.02, 0.95)).isFalse();
    assertThat(RateBound.provenBelow(0, 300, 0.01, 0.95)).isFalse();
  }

  @Test
  void theUpperBoundIsWhereTheTestStartsToShowIt() {
    double upper = RateBound.upper(3, 300, 0.95);
    assertThat(RateBound.provenBelow(3, 300, upper, 0.95)).isTrue();
    assertThat(RateBound.provenBelow(3, 300, upper - 1e-6, 0.95)).isFalse();
    assertThat(upper).isBetween(0.01, 0.06);
    assertThat(RateBound.upper(0, 72, 0.95)).isCloseTo(0.05, within(0.001));
    assertThat(RateBound.upper(0, 0, 0.95)).isEqualTo(1);
    assertThat(RateBound.upper(5, 5, 0.95)).isEqualTo(1);
    // More clean calls, a lower bound.
    assertThat(RateBound.upper(3, 3_000, 0.95)).isLessThan(upper);
  }

  @Test
  void coversTheTrueRateWhenReadAfterEveryCall() {
    // 2,000 runs of 2,000 Bernoulli(3 %) calls, checked after every call: the bound may fall below 3 % at some
    // point in at most 5 % of runs (100 of 2,000). 130 or more would be very unlikely for a valid bound
    // (binomial(2000, 0.05) has mean 100 and standard deviation 9.7: 130 is 3 deviations above).
    SplittableRandom random = new SplittableRandom(99L);
    int missed = 0;
    for (int run = 0; run < 2_000; run++) {
      long events = 0;
      for (int n = 1; n <= 2_000; n++) {
        events += random.nextDouble() < 0.03 ? 1 : 0;
        if (RateBound.provenBelow(events, n, 0.03, 0.95)) {
          missed++;
          break;
        }
      }
    }
    assertThat(missed).isLessThan(130);
  }

  @Test
  void rejectsBadCounts() {
    assertThatThrownBy(() -> RateBound.upper(3, 2, 0.95)).hasMessageContaining("3 events in 2 trials");
    assertThatThrownBy(() -> RateBound.upper(0, 2, 1)).hasMessageContaining("confidence 1.0");
    assertThatThrownBy(() -> RateBound.provenBelow(0, 2, 0, 0.95)).hasMessageContaining("limit 0.0");
  }
}
