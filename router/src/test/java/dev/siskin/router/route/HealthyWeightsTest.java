package dev.siskin.router.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthyWeightsTest {

  @Test
  void anUnhealthyBackendsShareGoesToTheOthersInProportion() {
    HealthyWeights w = HealthyWeights.of(new int[] {50, 30, 20}, new boolean[] {true, false, true});
    assertThat(w.weights()).containsExactly(50, 0, 20);
    assertThat(w.panic()).isFalse();
  }

  @Test
  void theSmoothPickerStaysExactOverTheHealthyOnes() {
    HealthyWeights w = HealthyWeights.of(new int[] {50, 30, 20}, new boolean[] {true, false, true});
    WeightedPicker<String> picker = WeightedPicker.create(Policy.SMOOTH_WEIGHTED_ROUND_ROBIN,
        List.of("a", "b", "c"), w.weights());
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 7 * 100; i++) { // 100 windows of 5 + 2
      counts.merge(picker.pick(), 1, Integer::sum);
    }
    assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of("a", 500, "c", 200));
  }

  @Test
  void withNoHealthyBackendItIsPanicModeByTheConfiguredWeights() {
    HealthyWeights w = HealthyWeights.of(new int[] {90, 10}, new boolean[] {false, false});
    assertThat(w.weights()).containsExactly(90, 10);
    assertThat(w.panic()).isTrue();
  }

  @Test
  void aHealthyBackendOfWeightZeroDoesNotTakeOverButPanicKeepsItsZero() {
    HealthyWeights w = HealthyWeights.of(new int[] {0, 100}, new boolean[] {true, false});
    assertThat(w.panic()).isTrue();
    assertThat(w.weights()).containsExactly(0, 100);
  }

  @Test
  void allHealthyKeepsTheConfiguredWeights() {
    HealthyWeights w = HealthyWeights.of(new int[] {90, 10}, new boolean[] {true, true});
    assertThat(w.weights()).containsExactly(90, 10);
    assertThat(w.panic()).isFalse();
  }

  @Test
  void mismatchedLengthsAreRejected() {
    assertThatThrownBy(() -> HealthyWeights.of(new int[] {1}, new boolean[] {true, true}))
        .hasMessageContaining("expected: one per weight");
  }
}
