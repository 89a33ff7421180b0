package dev.siskin.router.canary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;

class DistributionDistanceTest {

  @Test
  void identicalDistributionsAreZeroApartWithPOne() {
    // Same shares at different volumes: 90/10 traffic split, same model behaviour.
    DistributionDistance d = DistributionDistance.between(
        Map.of("setosa", 300L, "versicolor", 300L, "virginica", 300L),
        Map.of("setosa", 100L, "versicolor", 100L, "virginica", 100L));
    assertThat(d.psi()).isZero();
    assertThat(d.chiSquare()).isCloseTo(0, within(1e-12));
    assertThat(d.degreesOfFreedom()).isEqualTo(2);
    assertThat(d.pValue()).isCloseTo(1, within(1e-12));
    assertThat(d.baselineCalls()).isEqualTo(900);
    assertThat(d.canaryCalls()).isEqualTo(300);
  }

  /**
   * By hand: baseline 50/30/20 (shares 0.5, 0.3, 0.2), canary 40/30/30 (0.4, 0.3, 0.3).
   * PSI = (0.4 - 0.5) ln(0.8) + 0 + (0.3 - 0.2) ln(1.5) = 0.022314 + 0.040547 = 0.062861.
   * Chi-square: N = 200, column totals 90, 60, 50, so E = 45, 30, 25 in each row;
   * row 1: 5²/45 + 0 + 5²/25 = 1.5556, row 2 the same: 3.1111 on 2 degrees of freedom, and with 2 degrees of
   * freedom P(X >= x) = exp(-x / 2) = exp(-1.5556) = 0.21107.
   */
  @Test
  void matchesAHandComputedExample() {
    DistributionDistance d = DistributionDistance.between(
        Map.of("setosa", 50L, "versicolor", 30L, "virginica", 20L),
        Map.of("setosa", 40L, "versicolor", 30L, "virginica", 30L));
    assertThat(d.psi()).isCloseTo(0.062861, within(1e-6));
    assertThat(d.chiSquare()).isCloseTo(28.0 / 9, within(1e-9));
    assertThat(d.degreesOfFreedom()).isEqualTo(2);
    assertThat(d.pValue()).isCloseTo(Math.exp(-14.0 / 9), within(1e-9)).isCloseTo(0.21107, within(1e-5));
  }

  /**
   * v2 answers virginica three times as often: baseline 400/400/200 (0.4, 0.4, 0.2), canary 200/200/600
   * (0.2, 0.2, 0.6). PSI = 2 (-0.2) ln(0.5) + 0.4 ln(3) = 0.27726 + 0.43944 = 0.71670, far above the 0.25 band.
   * Chi-square: E = 300, 300, 400 per row; each row gives 100²/300 * 2 + 200²/400 = 166.67, so 333.33 on 2
   * degrees of freedom and p = exp(-166.67) = 4.1e-73.
   */
  @Test
  void aCanaryAnsweringVirginicaThreeTimesAsOftenIsFarApart() {
    DistributionDistance d = DistributionDistance.between(
        Map.of("setosa", 400L, "versicolor", 400L, "virginica", 200L),
        Map.of("setosa", 200L, "versicolor", 200L, "virginica", 600L));
    assertThat(d.psi()).isCloseTo(0.71670, within(1e-5)).isGreaterThan(0.25);
    assertThat(d.chiSquare()).isCloseTo(1000.0 / 3, within(1e-9));
    assertThat(d.pValue()).isCloseTo(Math.exp(-500.0 / 3), Percentage.withPercentage(1e-6)).isLessThan(1e-70);
  }

  /**
   * A class only the canary predicts: the baseline's share 0 is floored at 0.0001.
   * Baseline 100/0, canary 90/10: PSI = (0.9 - 1) ln(0.9) + (0.1 - 0.0001) ln(0.1 / 0.0001) = 0.010536 + 0.690089
   * = 0.700621. Chi-square: column totals 190 and 10, E = 95 and 5 per row; each row 25/95 + 25/5 = 5.26316, so
   * 10.526 on 1 degree of freedom, p = erfc(sqrt(10.526 / 2)) = 0.0011769.
   */
  @Test
  void aClassOnlyOneSidePredictsUsesTheFloorShare() {
    DistributionDistance d = DistributionDistance.between(Map.of("setosa", 100L),
        Map.of("setosa", 90L, "virginica", 10L));
    assertThat(d.psi()).isCloseTo(0.700621, within(1e-6));
    assertThat(d.chiSquare()).isCloseTo(200.0 / 19, within(1e-9));
    assertThat(d.degreesOfFreedom()).isEqualTo(1);
    assertThat(d.pValue()).isCloseTo(0.0011769, within(1e-7));
  }

  @Test
  void classesNeitherSidePredictedDoNotCount() {
    DistributionDistance withZeros = DistributionDistance.between(
        Map.of("setosa", 50L, "versicolor", 30L, "virginica", 20L, "__other__", 0L),
        Map.of("setosa", 40L, "versicolor", 30L, "virginica", 30L, "__other__", 0L));
    assertThat(withZeros.degreesOfFreedom()).isEqualTo(2);
    assertThat(withZeros.psi()).isCloseTo(0.062861, within(1e-6));
    assertThat(withZeros.pValue()).isCloseTo(0.21107, within(1e-5));
  }

  @Test
  void oneClassOnBothSidesHasNothingToTest() {
    DistributionDistance d = DistributionDistance.between(Map.of("setosa", 7L), Map.of("setosa", 3L));
    assertThat(d.degreesOfFreedom()).isZero();
    assertThat(d.pValue()).isEqualTo(1.0);
    assertThat(d.psi()).isZero();
  }

  @Test
  void aSideWithoutCallsOrANegativeCountIsRefused() {
    assertThatThrownBy(() -> DistributionDistance.between(Map.of(), Map.of("setosa", 1L)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("baseline has no calls (expected: at least one counted prediction)");
    assertThatThrownBy(() -> DistributionDistance.between(Map.of("setosa", 1L), Map.of("setosa", 0L)))
        .hasMessage("canary has no calls (expected: at least one counted prediction)");
    assertThatThrownBy(() -> DistributionDistance.between(Map.of("setosa", -1L), Map.of("setosa", 1L)))
        .hasMessage("baseline count of setosa is -1 (expected: >= 0)");
  }
}
