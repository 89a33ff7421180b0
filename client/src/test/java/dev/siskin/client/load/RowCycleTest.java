package dev.siskin.client.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.client.iris.IrisFeatures;
import dev.siskin.proto.v1.PredictRequest;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class RowCycleTest {
  private static final List<PredictRequest> ROWS = IntStream.rangeClosed(1, 10)
      .mapToObj(i -> IrisFeatures.fromPositional(List.of(i + ".0", "3.5", "1.4", "0.2"))).toList();

  private static List<PredictRequest> firstCalls(RowCycle cycle, int n) {
    return LongStream.range(0, n).mapToObj(cycle::request).toList();
  }

  @Test
  void inOrderCyclesThroughTheRows() {
    RowCycle cycle = RowCycle.inOrder(ROWS);
    assertThat(firstCalls(cycle, 10)).containsExactlyElementsOf(ROWS);
    assertThat(cycle.request(10)).isEqualTo(ROWS.get(0));
    assertThat(cycle.request(23)).isEqualTo(ROWS.get(3));
  }

  @Test
  void shuffledIsAPermutationFixedByTheSeed() {
    List<PredictRequest> seven = firstCalls(RowCycle.shuffled(ROWS, 7), 10);
    assertThat(seven).containsExactlyInAnyOrderElementsOf(ROWS).isNotEqualTo(ROWS);
    assertThat(firstCalls(RowCycle.shuffled(ROWS, 7), 10)).isEqualTo(seven);
    assertThat(firstCalls(RowCycle.shuffled(ROWS, 8), 10)).isNotEqualTo(seven);
  }
}
