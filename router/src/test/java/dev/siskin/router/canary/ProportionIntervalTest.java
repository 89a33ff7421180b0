package dev.siskin.router.canary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.apache.commons.statistics.distribution.BinomialDistribution;
import org.junit.jupiter.api.Test;

class ProportionIntervalTest {

  @Test
  void matchesHandComputedWilsonIntervals() {
    // 5 of 10, z = 1.96: centre (0.5 + 3.8415/20) / 1.38415 = 0.5, half-width
    // 1.96 / 1.38415 * sqrt(0.025 + 3.8415/400) = 1.41599 * 0.18602 = 0.26341: the textbook (0.2366, 0.7634).
    ProportionInterval half = ProportionInterval.wilson95(5, 10);
    assertThat(half.lower()).isCloseTo(0.23659, within(1e-5));
    assertThat(half.upper()).isCloseTo(0.76341, within(1e-5));
    // 0 of 10: the upper bound is z² / (n + z²) = 3.8415 / 13.8415 = 0.27753; 10 of 10 mirrors it.
    assertThat(ProportionInterval.wilson95(0, 10)).isEqualTo(new ProportionInterval(0, 0.2775327998628892));
    ProportionInterval all = ProportionInterval.wilson95(10, 10);
    assertThat(all.lower()).isCloseTo(1 - 0.2775327998628892, within(1e-12));
    assertThat(all.upper()).isEqualTo(1.0);
    assertThat(all.contains(1.0)).isTrue();
  }

  @Test
  void noTrialsIsTheWholeUnitInterval() {
    assertThat(ProportionInterval.wilson95(0, 0)).isEqualTo(ProportionInterval.UNKNOWN)
        .isEqualTo(new ProportionInterval(0, 1));
  }

  @Test
  void narrowsAsTrialsGrow() {
    double previous = 1;
    for (long n : new long[] {10, 100, 1_000, 10_000, 100_000}) {
      ProportionInterval i = ProportionInterval.wilson95(n * 95 / 100, n);
      assertThat(i.upper() - i.lower()).isLessThan(previous);
      assertThat(i.contains(0.95)).isTrue();
      previous = i.upper() - i.lower();
    }
    assertThat(previous).isLessThan(0.003); // about 2 * 1.96 * sqrt(0.95 * 0.05 / 100000) = 0.0027
  }

  /**
   * 2,000 simulated runs of 300 pairs at a true agreement of 0.95: the interval must contain 0.95 in about 95 % of
   * them. The exact coverage at these numbers (the binomial probability of every count whose interval contains
   * 0.95) is 0.9548; the simulated share of 2,000 runs is that with a standard deviation of
   * sqrt(0.9548 * 0.0452 / 2000) = 0.0046, so requiring 0.94 leaves 3 standard deviations. The textbook Wald
   * interval p ± 1.96 sqrt(p(1-p)/n) covers only 0.926 here and would fail.
   */
  @Test
  void simulatedCoverageAtTheAgreementLevelsOfACanary() {
    Random random = new Random(20_260_101L);
    int runs = 2_000;
    int n = 300;
    double p = 0.95;
    int covered = 0;
    for (int run = 0; run < runs; run++) {
      int agreed = 0;
      for (int i = 0; i < n; i++) {
        agreed += random.nextDouble() < p ? 1 : 0;
      }
      covered += ProportionInterval.wilson95(agreed, n).contains(p) ? 1 : 0;
    }
    double simulated = (double) covered / runs;
    double exact = exactCoverage(p, n);
    assertThat(exact).isCloseTo(0.9548, within(1e-4));
    assertThat(simulated).isGreaterThanOrEqualTo(0.94)
        .isCloseTo(exact, within(4 * Math.sqrt(exact * (1 - exact) / runs)));
  }

  /**
   * Exact coverage over a grid of sizes and true rates: never below 0.90 (Wilson's dips near p = 0.99 at small n go
   * to 0.91; the Wald interval's go to 0.39 at n = 50, 0.63 at n = 100).
   */
  @Test
  void exactCoverageStaysNearNinetyFivePercentAcrossSizesAndRates() {
    for (int n : new int[] {50, 100, 300, 1_000}) {
      for (double p : new double[] {0.5, 0.8, 0.9, 0.95, 0.99}) {
        assertThat(exactCoverage(p, n)).as("n=%d p=%s", n, p).isGreaterThan(0.90);
      }
    }
  }

  private static double exactCoverage(double p, int n) {
    BinomialDistribution binomial = BinomialDistribution.of(n, p);
    double coverage = 0;
    for (int k = 0; k <= n; k++) {
      if (ProportionInterval.wilson95(k, n).contains(p)) {
        coverage += binomial.probability(k);
      }
    }
    return coverage;
  }

  @Test
  void impossibleCountsAreRefused() {
    assertThatThrownBy(() -> ProportionInterval.wilson95(11, 10)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("11 successes in 10 trials (expected: 0 <= successes <= trials)");
    assertThatThrownBy(() -> ProportionInterval.wilson95(-1, 10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProportionInterval.wilson(1, 10, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected: a positive normal quantile");
  }
}
