package dev.siskin.router.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RandomWeightedPickerTest {

  @Test
  void sharesStayWithinStatisticalBoundsForAFixedSeed() {
    int[] weights = {60, 25, 10, 5, 0};
    List<Integer> items = List.of(0, 1, 2, 3, 4);
    SplittableRandom random = new SplittableRandom(42);
    var picker = new RandomWeightedPicker<>(items, weights, () -> random);
    int n = 100_000;
    int[] counts = new int[items.size()];
    for (int i = 0; i < n; i++) {
      counts[picker.pick()]++;
    }

    // Pearson's chi-square over the 4 live items (3 degrees of freedom): 16.27 is the 0.999 quantile.
    double chiSquare = 0;
    for (int i = 0; i < 4; i++) {
      double expected = n * weights[i] / 100.0;
      chiSquare += Math.pow(counts[i] - expected, 2) / expected;
    }
    assertThat(chiSquare).isLessThan(16.27);
    assertThat(counts[4]).isZero();
  }

  @Test
  void drawsMapToTheCumulativeIntervals() {
    // A fake source that returns 0, 1, ..., total-1 in turn shows each value's item: [0,3) a, [3,4) c.
    long[] next = {0};
    var fake = new RandomGenerator() {
      @Override
      public long nextLong() {
        throw new UnsupportedOperationException("the picker draws with a bound");
      }

      @Override
      public long nextLong(long bound) {
        return next[0]++ % bound;
      }
    };
    var picker = new RandomWeightedPicker<>(List.of("a", "b", "c"), new int[] {3, 0, 1}, () -> fake);

    StringBuilder sb = new StringBuilder();
    IntStream.range(0, 8).forEach(i -> sb.append(picker.pick()));
    assertThat(sb.toString()).isEqualTo("aaac" + "aaac");
  }

  @Test
  void defaultSourceWorksFromManyThreads() {
    var picker = new RandomWeightedPicker<>(List.of("a", "b"), new int[] {1, 0});

    assertThat(IntStream.range(0, 10_000).parallel().mapToObj(i -> picker.pick()).distinct().toList())
        .containsExactly("a");
  }

  @Test
  void oneBackendTakesEverything() {
    var picker = WeightedPicker.create(Policy.RANDOM, List.of("only"), new int[] {1_000_000});

    assertThat(IntStream.range(0, 100).mapToObj(i -> picker.pick()).distinct().toList()).containsExactly("only");
  }
}
