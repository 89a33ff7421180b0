package dev.siskin.router.canary;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class BoundedLabelsTest {

  @Test
  void admitsUpToTheCapacityThenSharesOther() {
    BoundedLabels labels = new BoundedLabels(3);
    assertThat(labels.index("a")).isEqualTo(0);
    assertThat(labels.index("b")).isEqualTo(1);
    assertThat(labels.index("a")).isEqualTo(0);
    assertThat(labels.index("x".repeat(BoundedLabels.MAX_CHARS + 1))).isEqualTo(3);
    assertThat(labels.index("__other__")).isEqualTo(3); // a backend answering the shared name takes no place
    assertThat(labels.index("c")).isEqualTo(2);
    assertThat(labels.index("d")).isEqualTo(3);
    assertThat(labels.labelsByIndex()).containsExactly("a", "b", "c", "__other__");
    assertThat(labels.size()).isEqualTo(4);
  }

  @Test
  void unusedIndexesHaveNoName() {
    BoundedLabels labels = new BoundedLabels(3);
    labels.index("a");
    assertThat(labels.labelsByIndex()).containsExactly("a", null, null, "__other__");
  }

  /** 8 threads race to admit the same 100 labels: exactly 16 get an index of their own, the same one everywhere. */
  @Test
  void concurrentAdmissionKeepsTheCapacityExactAndIndexesStable() throws Exception {
    BoundedLabels labels = new BoundedLabels(16);
    ConcurrentHashMap<String, Set<Integer>> seen = new ConcurrentHashMap<>();
    Concurrently.run(8, thread -> {
      for (int i = 0; i < 100; i++) {
        String label = "label-" + (i + thread * 13) % 100;
        seen.computeIfAbsent(label, k -> ConcurrentHashMap.newKeySet()).add(labels.index(label));
      }
    });
    assertThat(seen).hasSize(100).allSatisfy((label, indexes) -> assertThat(indexes).hasSize(1));
    Set<Integer> own = new HashSet<>();
    seen.values().forEach(own::addAll);
    own.remove(16);
    assertThat(own).hasSize(16);
    assertThat(seen.values().stream().filter(s -> s.contains(16)).count()).isEqualTo(84);
  }
}
