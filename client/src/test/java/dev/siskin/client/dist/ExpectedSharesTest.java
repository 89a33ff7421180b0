package dev.siskin.client.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ExpectedSharesTest {
  @Test
  void parsesWeightsInOrderAndNormalizesShares() {
    ExpectedShares e = ExpectedShares.parse("v1=90, v2=10");
    assertThat(e.weights()).containsExactly(Map.entry("v1", 90.0), Map.entry("v2", 10.0));
    assertThat(e.share("v1")).isCloseTo(0.9, within(1e-12));
    assertThat(e.share("v2")).isCloseTo(0.1, within(1e-12));
    assertThat(e.share("v3")).isZero();
    assertThat(e.source()).isEqualTo("--expect");
    assertThat(e.describe()).isEqualTo("v1=90,v2=10");
  }

  @Test
  void relativeWeightsMeanTheSameSplit() {
    assertThat(ExpectedShares.parse("v1=9,v2=1").sameSplitAs(ExpectedShares.parse("v2=10,v1=90"))).isTrue();
    assertThat(ExpectedShares.parse("v1=1,v2=1").sameSplitAs(ExpectedShares.parse("v1=90,v2=10"))).isFalse();
    assertThat(ExpectedShares.parse("v1=100,v2=0").sameSplitAs(ExpectedShares.parse("v1=1"))).isTrue();
    assertThat(ExpectedShares.parse("v1=0.5,v2=0.5").describe()).isEqualTo("v1=0.5,v2=0.5");
  }

  @Test
  void rejectsBadSyntaxNamingThePart() {
    assertThatThrownBy(() -> ExpectedShares.parse("v1:90"))
        .hasMessage("'v1:90' in 'v1:90': expected NAME=WEIGHT[,NAME=WEIGHT...] such as v1=90,v2=10");
    assertThatThrownBy(() -> ExpectedShares.parse("v1=90,,v2=10"))
        .hasMessageStartingWith("'' in 'v1=90,,v2=10': expected NAME=WEIGHT");
    assertThatThrownBy(() -> ExpectedShares.parse("=5")).hasMessageStartingWith("'=5' in '=5'");
    assertThatThrownBy(() -> ExpectedShares.parse("")).hasMessageStartingWith("'': expected NAME=WEIGHT");
    assertThatThrownBy(() -> ExpectedShares.parse("v1=ninety"))
        .hasMessageStartingWith("weight 'ninety' of 'v1' is not a number");
    assertThatThrownBy(() -> ExpectedShares.parse("v1=-1,v2=2"))
        .hasMessage("weight '-1' of 'v1' (expected: a number >= 0)");
    assertThatThrownBy(() -> ExpectedShares.parse("v1=Infinity"))
        .hasMessage("weight 'Infinity' of 'v1' (expected: a number >= 0)");
    assertThatThrownBy(() -> ExpectedShares.parse("v1=1,v1=2")).hasMessage("backend 'v1' is given twice in 'v1=1,v1=2'");
    assertThatThrownBy(() -> ExpectedShares.parse("v1=0,v2=0")).hasMessage("all weights are 0 (expected: at least one > 0)");
  }
}
