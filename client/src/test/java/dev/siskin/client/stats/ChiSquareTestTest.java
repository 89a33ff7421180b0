package dev.siskin.client.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ChiSquareTestTest {
  @Test
  void observedCloseToNinetyTenIsPlausible() {
    ChiSquareResult r = ChiSquareTest.goodnessOfFit(new long[] {1795, 205}, new double[] {1800, 200});
    assertThat(r.statistic()).isCloseTo(25.0 / 1800 + 25.0 / 200, within(1e-12));
    assertThat(r.degreesOfFreedom()).isEqualTo(1);
    // p = erfc(sqrt(x / 2)) for one degree of freedom.
    assertThat(r.pValue()).isCloseTo(0.7093881150142263, within(1e-9));
  }

  @Test
  void seventeenHundredToThreeHundredIsNotNinetyTen() {
    ChiSquareResult r = ChiSquareTest.goodnessOfFit(new long[] {1700, 300}, new double[] {1800, 200});
    assertThat(r.statistic()).isCloseTo(55.5555555555, within(1e-6));
    assertThat(r.pValue()).isCloseTo(9.085470224008335e-14, within(1e-16));
  }

  @Test
  void criticalValuesOfTheTablesGiveTheirLevels() {
    // chi-square table: df=1 at 3.841 is p=0.05 and at 10.828 is p=0.001; df=2 at 5.991 is p=0.05.
    assertThat(ChiSquareTest.pValue(3.841458820694124, 1)).isCloseTo(0.05, within(1e-12));
    assertThat(ChiSquareTest.pValue(10.827566170662733, 1)).isCloseTo(0.001, within(1e-12));
    assertThat(ChiSquareTest.pValue(5.991464547107979, 2)).isCloseTo(0.05, within(1e-12));
    assertThat(ChiSquareTest.pValue(7.814727903251178, 3)).isCloseTo(0.05, within(1e-12));
  }

  @Test
  void exactFitHasStatisticZeroAndPOne() {
    ChiSquareResult r = ChiSquareTest.goodnessOfFit(new long[] {50, 30, 20}, new double[] {50, 30, 20});
    assertThat(r.statistic()).isZero();
    assertThat(r.degreesOfFreedom()).isEqualTo(2);
    assertThat(r.pValue()).isEqualTo(1.0);
  }

  @Test
  void singleCategoryHasNoFreedomAndPOne() {
    ChiSquareResult r = ChiSquareTest.goodnessOfFit(new long[] {100}, new double[] {100});
    assertThat(r.degreesOfFreedom()).isZero();
    assertThat(r.pValue()).isEqualTo(1.0);
  }

  @Test
  void rejectsMismatchedOrNonPositiveInput() {
    assertThatThrownBy(() -> ChiSquareTest.goodnessOfFit(new long[] {1, 2}, new double[] {3}))
        .hasMessageContaining("observed has 2 categories, expected has 1");
    assertThatThrownBy(() -> ChiSquareTest.goodnessOfFit(new long[] {1, 2}, new double[] {3, 0}))
        .hasMessageContaining("expected[1]: 0.0 (expected: > 0)");
    assertThatThrownBy(() -> ChiSquareTest.goodnessOfFit(new long[] {-1, 2}, new double[] {3, 1}))
        .hasMessageContaining("observed[0]: -1 (expected: >= 0)");
  }
}
