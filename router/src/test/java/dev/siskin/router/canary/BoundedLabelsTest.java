package dev.siskin.router.canary;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> tasks = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int offset = t * 13;
        tasks.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < 100; i++) {
            String label = "label-" + (i + offset) % 100;
            seen.computeIfAbsent(label, k -> ConcurrentHashMap.newKeySet()).add(labels.index(label));
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : tasks) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(seen).hasSize(100).allSatisfy((label, indexes) -> assertThat(indexes).hasSize(1));
    Set<Integer> own = new HashSet<>();
    seen.values().forEach(own::addAll);
    own.remove(16);
    assertThat(own).hasSize(16);
    assertThat(seen.values().stream().filter(s -> s.contains(16)).count()).isEqualTo(84);
  }
}
