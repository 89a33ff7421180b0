package dev.siskin.router.rollout.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class OddsMixtureTest {

  @Test
  void scalesOddsAsTheRoutingFormulaSays() {
    // q(0.1, 10) = 1 / (1 + 0.9) : a canary 10x as failure-prone at a 10 % share causes half the failures or so.
    assertThat(OddsMixture.scaleOdds(0.1, 10)).isCloseTo(1 / 1.9, within(1e-15));
    assertThat(OddsMixture.scaleOdds(0.1, 1)).isCloseTo(0.1, within(1e-15));
    assertThat(OddsMixture.scaleOdds(0.5, 3)).isCloseTo(0.75, within(1e-15));
    assertThat(OddsMixture.scaleOdds(0, 10)).isZero();
    // Odds multiply: scaling by 1.5 then by 4 is scaling by 6.
    assertThat(OddsMixture.scaleOdds(OddsMixture.scaleOdds(0.2, 1.5), 4))
        .isCloseTo(OddsMixture.scaleOdds(0.2, 6), within(1e-15));
  }

  @Test
  void oneObservationsFactorIsTheLikelihoodRatio() {
    // Alternative q(0.1, 4) = 0.4 / 1.3 against 0.1: an event weighs (0.4/1.3) / 0.1 = 4 / 1.3, a non-event
    // (0.9/1.3) / 0.9 = 1 / 1.3.
    assertThat(Math.exp(OddsMixture.logFactor(4, 0.1, true))).isCloseTo(4 / 1.3, within(1e-12));
    assertThat(Math.exp(OddsMixture.logFactor(4, 0.1, false))).isCloseTo(1 / 1.3, within(1e-12));
    assertThat(Math.exp(OddsMixture.logFactor(0.5, 0.2, false))).isCloseTo(1 / 0.9, within(1e-12));
  }

  @Test
  void countsGiveTheProductOfFactors() {
    double product = 0;
    for (int i = 0; i < 10; i++) {
      product += OddsMixture.logFactor(10, 0.05, i < 3);
    }
    assertThat(OddsMixture.logRatio(10, 3, 10, 0.05)).isCloseTo(product, within(1e-12));
    // An alternative without events dies at the first one and is (1 - p)^-n before it.
    assertThat(OddsMixture.logRatio(0, 1, 10, 0.05)).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(OddsMixture.logRatio(0, 0, 10, 0.05)).isCloseTo(-10 * Math.log(0.95), within(1e-12));
  }

  @Test
  void averagesInLogSpaceWithoutOverflow() {
    assertThat(OddsMixture.logMeanExp(new double[] {Math.log(2), Math.log(4)})).isCloseTo(Math.log(3), within(1e-12));
    // e^1000 overflows a double; the mean of e^1000 and e^-inf is e^1000 / 2.
    assertThat(OddsMixture.logMeanExp(new double[] {1000, Double.NEGATIVE_INFINITY}))
        .isCloseTo(1000 - Math.log(2), within(1e-9));
    assertThat(OddsMixture.logMeanExp(new double[] {Double.NEGATIVE_INFINITY})).isEqualTo(Double.NEGATIVE_INFINITY);
  }
}
