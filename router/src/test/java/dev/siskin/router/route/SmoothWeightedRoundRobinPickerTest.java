package dev.siskin.router.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SmoothWeightedRoundRobinPickerTest {

  private static SmoothWeightedRoundRobinPicker<String> picker(List<String> items, int... weights) {
    return new SmoothWeightedRoundRobinPicker<>(items, weights);
  }

  private static String picks(WeightedPicker<String> picker, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(picker.pick());
    }
    return sb.toString();
  }

  @Test
  void followsNginxSequenceForFiveOneOne() {
    var picker = picker(List.of("a", "b", "c"), 5, 1, 1);

    assertThat(picks(picker, 14)).isEqualTo("aabacaa" + "aabacaa");
    assertThat(picker.usesNginxSequence()).isTrue();
  }

  @Test
  void spreadsPicksForOtherWeights() {
    // Worked out by hand with nginx's rule: add each weight, take the largest (first on a tie), subtract the sum.
    assertThat(picks(picker(List.of("a", "b", "c"), 1, 2, 3), 6)).isEqualTo("cbacbc");
    assertThat(picks(picker(List.of("a", "b"), 1, 1), 4)).isEqualTo("abab");
    assertThat(picks(picker(List.of("a", "b"), 3, 1), 8)).isEqualTo("aaba" + "aaba");
  }

  @Test
  void reducesWeightsByTheirGcd() {
    var picker = picker(List.of("1", "2"), 90, 10);

    assertThat(picker.period()).isEqualTo(10);
    assertThat(picks(picker, 10)).isEqualTo("1111121111");
  }

  @Test
  void everyWindowOfSumPicksMatchesTheWeightsExactly() {
    int[] weights = {50, 30, 15, 5, 0, 1};
    List<String> items = List.of("a", "b", "c", "d", "e", "f");
    var picker = picker(items, weights);
    int sum = 101;
    List<String> seq = new ArrayList<>();
    for (int i = 0; i < 3 * sum; i++) {
      seq.add(picker.pick());
    }

    // Every window, not only the aligned ones.
    for (int start = 0; start + sum <= seq.size(); start++) {
      Map<String, Long> counts = seq.subList(start, start + sum).stream()
          .collect(Collectors.groupingBy(s -> s, Collectors.counting()));
      assertThat(counts).as("window at %d", start)
          .containsExactlyInAnyOrderEntriesOf(Map.of("a", 50L, "b", 30L, "c", 15L, "d", 5L, "f", 1L));
    }
  }

  @Test
  void neverPicksWeightZero() {
    var picker = picker(List.of("off", "on", "off2"), 0, 7, 0);

    assertThat(picks(picker, 50)).isEqualTo("on".repeat(50));
  }

  @Test
  void oneBackendTakesEverything() {
    var picker = picker(List.of("only"), 3);

    assertThat(picker.period()).isEqualTo(1);
    assertThat(picks(picker, 5)).isEqualTo("only".repeat(5));
  }

  @Test
  void thousandBackendsWithDistinctWeightsGetExactCounts() {
    List<Integer> items = IntStream.range(0, 1000).boxed().toList();
    int[] weights = IntStream.range(0, 1000).map(i -> i % 7 == 0 ? 0 : 1 + i % 13).toArray();
    var picker = new SmoothWeightedRoundRobinPicker<>(items, weights);
    long sum = IntStream.of(weights).asLongStream().sum();

    int[] counts = new int[1000];
    for (long i = 0; i < 2 * sum; i++) {
      counts[picker.pick()]++;
    }

    assertThat(picker.usesNginxSequence()).isTrue();
    for (int i = 0; i < 1000; i++) {
      assertThat(counts[i]).as("item %d", i).isEqualTo(2 * weights[i]);
    }
  }

  @Test
  void thousandBackendsWithHugeWeightsFallBackToTheStrideScheduleAndStayExact() {
    List<Integer> items = IntStream.range(0, 1000).boxed().toList();
    // Unrelated weights near the config maximum: the sum (~10^9) is far too long to store.
    int[] weights = IntStream.range(0, 1000).map(i -> 999_000 + 7 * i + (i % 3)).toArray();
    var picker = new SmoothWeightedRoundRobinPicker<>(items, weights);
    assertThat(picker.usesNginxSequence()).isFalse();
    assertThat(picker.period()).isEqualTo(IntStream.of(weights).asLongStream().sum());

    // A full window is ~10^9 picks, too slow for a unit test: check the first 2 million picks hit every
    // item near its share (the stride spreads each item's picks evenly through the window).
    int[] counts = new int[1000];
    int n = 2_000_000;
    for (int i = 0; i < n; i++) {
      counts[picker.pick()]++;
    }
    for (int i = 0; i < 1000; i++) {
      assertThat(counts[i]).as("item %d", i).isBetween(1900, 2100);
    }
  }

  @Test
  void strideScheduleIsExactPerWindowAndSpreadsPicks() {
    List<String> items = List.of("a", "b", "c", "d");
    int[] weights = {700, 200, 99, 1};
    // Bounds of 0 force the fallback on a period small enough to check every window.
    var picker = new SmoothWeightedRoundRobinPicker<>(items, weights, 0, 0, 0);
    assertThat(picker.usesNginxSequence()).isFalse();
    List<String> seq = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      seq.add(picker.pick());
    }

    for (int start = 0; start <= 1000; start += 37) {
      Map<String, Long> counts = seq.subList(start, start + 1000).stream()
          .collect(Collectors.groupingBy(s -> s, Collectors.counting()));
      assertThat(counts).as("window at %d", start)
          .containsExactlyInAnyOrderEntriesOf(Map.of("a", 700L, "b", 200L, "c", 99L, "d", 1L));
    }
    // Spread: "b" (20 %) never waits more than 10 picks in a row, as it would if picks came in blocks of 200.
    int longestGap = 0;
    int last = -1;
    for (int i = 0; i < 1000; i++) {
      if (seq.get(i).equals("b")) {
        longestGap = Math.max(longestGap, i - last);
        last = i;
      }
    }
    assertThat(longestGap).isLessThanOrEqualTo(10);
  }

  @Test
  void concurrentPicksAddUpExactlyOverWholeWindows() throws Exception {
    List<String> items = List.of("v1", "v2", "v3");
    var picker = picker(items, 90, 9, 1);
    int threads = 8;
    int picksPerThread = 100 * 1000; // 8 * 100,000 = 8,000 windows of 100
    Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    items.forEach(i -> counts.put(i, new LongAdder()));
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < picksPerThread; i++) {
            counts.get(picker.pick()).increment();
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    long windows = (long) threads * picksPerThread / 100;
    assertThat(counts.get("v1").sum()).isEqualTo(90 * windows);
    assertThat(counts.get("v2").sum()).isEqualTo(9 * windows);
    assertThat(counts.get("v3").sum()).isEqualTo(windows);
  }

  @Test
  void sequenceContinuesUnbrokenAcrossTheSignedCounterWrap() {
    List<String> items = List.of("a", "b", "c");
    // Long.MAX_VALUE - 4 is pick number 2^63 - 5, and 2^63 == 1 (mod 7), so it is position 3 of the period.
    long start = Long.MAX_VALUE - 4;
    assertThat(Long.remainderUnsigned(start, 7)).isEqualTo(3);
    var picker = new SmoothWeightedRoundRobinPicker<>(items, new int[] {5, 1, 1}, start,
        SmoothWeightedRoundRobinPicker.MAX_PRECOMPUTED_PERIOD, SmoothWeightedRoundRobinPicker.MAX_PRECOMPUTE_STEPS);

    // Positions 3..6, then 0..6 twice; the signed counter turns negative after the fifth pick.
    assertThat(picks(picker, 18)).isEqualTo("acaa" + "aabacaa" + "aabacaa");
  }

  @Test
  void strideScheduleAlsoSurvivesTheCounterWrap() {
    var picker = new SmoothWeightedRoundRobinPicker<>(List.of("a", "b"), new int[] {2, 1}, -5L, 0, 0);

    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 30; i++) {
      counts.merge(picker.pick(), 1, Integer::sum);
    }
    // -5 unsigned is 2^64 - 5: the 2^64 discontinuity lies inside these picks, so only near-exactness holds.
    assertThat(counts.get("a")).isBetween(19, 21);
  }

  @Test
  void copiesTheWeights() {
    int[] weights = {1, 1};
    var picker = picker(List.of("a", "b"), weights);
    weights[1] = 0;

    assertThat(picks(picker, 4)).isEqualTo("abab");
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> picker(List.of(), new int[0]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one item");
    assertThatThrownBy(() -> picker(List.of("a", "b"), 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one weight per item");
    assertThatThrownBy(() -> picker(List.of("a", "b"), 1, -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("weights[1]: -1 (expected: >= 0)");
    assertThatThrownBy(() -> picker(List.of("a", "b"), 0, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one weight > 0");
  }

  @Test
  void createPicksTheImplementationOfThePolicy() {
    assertThat(WeightedPicker.create(Policy.SMOOTH_WEIGHTED_ROUND_ROBIN, List.of("a"), new int[] {1}))
        .isInstanceOf(SmoothWeightedRoundRobinPicker.class);
    assertThat(WeightedPicker.create(Policy.RANDOM, List.of("a"), new int[] {1}))
        .isInstanceOf(RandomWeightedPicker.class);
  }
}
