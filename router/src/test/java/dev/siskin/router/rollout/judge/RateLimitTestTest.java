package dev.siskin.router.rollout.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RateLimitTestTest {

  @Test
  void matchesHandComputedEValues() {
    RateLimitTest test = new RateLimitTest(0.05, 0.0025);
    // 3 events in 10 against 5 %: mean over m in {2, 4, 10} of m^3 / (1 + (m - 1) 0.05)^10 = 15.0237.
    for (int i = 0; i < 10; i++) {
      test.observe(i % 3 == 0 && i < 9);
    }
    assertThat(test.events()).isEqualTo(3);
    assertThat(test.trials()).isEqualTo(10);
    assertThat(test.eValue()).isCloseTo(15.02369793, within(1e-6));
    assertThat(test.rejected()).isFalse();
    assertThat(test.bar()).isCloseTo(400, within(1e-9));
  }

  @Test
  void aRejectionAtAnEventStaysAfterTheRateFalls() {
    RateLimitTest test = new RateLimitTest(0.05, 0.0025);
    for (int i = 0; i < 6; i++) {
      test.observe(true);
    }
    assertThat(test.rejected()).isTrue();
    for (int i = 0; i < 10_000; i++) {
      test.observe(false);
    }
    assertThat(test.eValue()).isLessThan(1e-10);
    assertThat(test.rejected()).isTrue();
    assertThat(test.copy().rejected()).isTrue();
  }

  @Test
  void atTheLimitItRarelyEverRejects() {
    // 2,000 runs of 3,000 observations exactly at the limit: Ville allows 5 rejections at alpha 0.0025; 12 or
    // more would be very unlikely for a valid test (Poisson(5): P(>= 12) = 0.5 %).
    SplittableRandom random = new SplittableRandom(7L);
    int rejected = 0;
    for (int run = 0; run < 2_000; run++) {
      RateLimitTest test = new RateLimitTest(0.05, 0.0025);
      for (int i = 0; i < 3_000 && !test.rejected(); i++) {
        test.observe(random.nextDouble() < 0.05);
      }
      rejected += test.rejected() ? 1 : 0;
    }
    assertThat(rejected).isLessThan(12);
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> new RateLimitTest(0, 0.01)).hasMessageContaining("limit 0.0");
    assertThatThrownBy(() -> new RateLimitTest(0.05, 1)).hasMessageContaining("alpha 1.0");
  }
}
