package dev.siskin.router.rollout.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AttributionTestTest {

  @Test
  void matchesHandComputedEValues() {
    AttributionTest test = new AttributionTest(1.0, 0.0025);
    assertThat(test.eValue()).isEqualTo(1.0);
    // One canary failure at a 10 % share: (2/1.1 + 4/1.3 + 10/1.9) / 3 = 3.38609.
    test.observe(0.1, true);
    assertThat(test.eValue()).isCloseTo(3.3860876, within(1e-6));
    // Then a baseline failure: (2/1.1² + 4/1.3² + 10/1.9²) / 3 = 2.26328.
    test.observe(0.1, false);
    assertThat(test.eValue()).isCloseTo(2.2632799, within(1e-6));
    assertThat(test.events()).isEqualTo(2);
    assertThat(test.canaryEvents()).isEqualTo(1);
    assertThat(test.expectedCanaryEvents()).isCloseTo(0.2, within(1e-12));
    assertThat(test.bar()).isCloseTo(400, within(1e-9));
  }

  @Test
  void aCleanBaselineAndFiveCanaryFailuresAtTenPercentReachTheBar() {
    AttributionTest test = new AttributionTest(1.0, 0.0025);
    for (int i = 0; i < 4; i++) {
      test.observe(0.1, true);
    }
    // (1.818^4 + 3.077^4 + 5.263^4) / 3 = 289.3 < 400; the fifth gives 1444.8.
    assertThat(test.eValue()).isCloseTo(289.299, within(1e-3));
    assertThat(test.rejected()).isFalse();
    test.observe(0.1, true);
    assertThat(test.eValue()).isCloseTo(1444.758, within(1e-3));
    assertThat(test.rejected()).isTrue();
  }

  @Test
  void theMarginRaisesTheNullShareOfCanaryEvents() {
    AttributionTest tolerant = new AttributionTest(1.5, 0.0025);
    tolerant.observe(0.1, true);
    double p = 0.15 / 1.05;
    double expected = (2 / (1 + p) + 4 / (1 + 3 * p) + 10 / (1 + 9 * p)) / 3;
    assertThat(tolerant.eValue()).isCloseTo(expected, within(1e-12));
    assertThat(tolerant.expectedCanaryEvents()).isCloseTo(p, within(1e-15));
  }

  @Test
  void eventsAtShareZeroOrOneCarryNoInformation() {
    AttributionTest test = new AttributionTest(1.0, 0.0025);
    test.observe(1.0, true);
    test.observe(0.0, false);
    test.observe(1.0, true);
    assertThat(test.eValue()).isEqualTo(1.0);
    assertThat(test.events()).isZero();
  }

  @Test
  void aRejectionStaysWhenLaterEvidenceFalls() {
    AttributionTest test = new AttributionTest(1.0, 0.0025);
    for (int i = 0; i < 5; i++) {
      test.observe(0.1, true);
    }
    for (int i = 0; i < 200; i++) {
      test.observe(0.1, false);
    }
    assertThat(test.eValue()).isLessThan(1);
    assertThat(test.rejected()).isTrue();
  }

  @Test
  void aCopyIsIndependent() {
    AttributionTest test = new AttributionTest(1.0, 0.0025);
    test.observe(0.5, true);
    AttributionTest copy = test.copy();
    copy.observe(0.5, true);
    assertThat(test.events()).isEqualTo(1);
    assertThat(copy.events()).isEqualTo(2);
    assertThat(copy.eValue()).isGreaterThan(test.eValue());
  }

  @Test
  void stablePastTheDoubleRange() {
    AttributionTest test = new AttributionTest(1.0, 0.0025);
    for (int i = 0; i < 2_000; i++) {
      test.observe(0.1, true);
    }
    assertThat(test.logEValue()).isCloseTo(2_000 * Math.log(10 / 1.9) - Math.log(3), within(1e-6));
    assertThat(test.eValue()).isInfinite();
    assertThat(test.rejected()).isTrue();
  }

  @Test
  void underTheNullItRarelyEverReachesTheBar() {
    // 2,000 runs of 500 events each from a canary exactly at the margin (share changing between events),
    // each read after every event: Ville allows 5 of 2,000 at alpha 0.0025; a count of 12 or more would be
    // very unlikely (Poisson(5): P(>= 12) = 0.5 %) if the test were valid, so it is the bar.
    SplittableRandom random = new SplittableRandom(20240514L);
    int rejected = 0;
    for (int run = 0; run < 2_000; run++) {
      AttributionTest test = new AttributionTest(1.5, 0.0025);
      for (int i = 0; i < 500; i++) {
        double share = i < 250 ? 0.1 : 0.5;
        double nullShare = OddsMixture.scaleOdds(share, 1.5);
        test.observe(share, random.nextDouble() < nullShare);
      }
      rejected += test.rejected() ? 1 : 0;
    }
    assertThat(rejected).isLessThan(12);
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> new AttributionTest(0.5, 0.01)).hasMessageContaining("margin 0.5");
    assertThatThrownBy(() -> new AttributionTest(1, 0)).hasMessageContaining("alpha 0.0");
    AttributionTest test = new AttributionTest(1, 0.01);
    assertThatThrownBy(() -> test.observe(1.5, true)).hasMessageContaining("canaryShare 1.5");
    assertThatThrownBy(() -> test.observe(Double.NaN, true)).hasMessageContaining("canaryShare NaN");
  }
}
