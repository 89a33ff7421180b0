package dev.siskin.router.canary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ClassDistributionTest {
  private final ClassDistribution distribution = new ClassDistribution();

  private void served(String backend, String species, int times) {
    byte[] answer = Messages.answer(species, 0.9, backend);
    for (int i = 0; i < times; i++) {
      distribution.recordServed(backend, answer);
    }
  }

  private void served(String backend, int setosa, int versicolor, int virginica) {
    served(backend, "setosa", setosa);
    served(backend, "versicolor", versicolor);
    served(backend, "virginica", virginica);
  }

  @Test
  void countsEachBackendsPredictedClassesWithAlignedTables() {
    served("v1", "setosa", 5);
    served("v1", "versicolor", 3);
    served("v2", "virginica", 2);
    distribution.recordServed("v2", Messages.garbage(new Random(1), 12));
    distribution.recordServed("v2", null);

    ClassDistributionSnapshot s = distribution.snapshot();
    assertThat(s.backends()).containsOnlyKeys("v1", "v2");
    BackendClasses v1 = s.backends().get("v1");
    assertThat(v1.byClass()).containsExactly(Map.entry("setosa", 5L), Map.entry("versicolor", 3L),
        Map.entry("virginica", 0L));
    assertThat(v1.predictions()).isEqualTo(8);
    assertThat(v1.unparseable()).isZero();
    BackendClasses v2 = s.backends().get("v2");
    assertThat(v2.byClass()).containsExactly(Map.entry("setosa", 0L), Map.entry("versicolor", 0L),
        Map.entry("virginica", 2L));
    assertThat(v2.unparseable()).isEqualTo(2);
  }

  @Test
  void aBackendWithoutCallsIsAbsentAndHasNoDistance() {
    assertThat(distribution.snapshot().backends()).isEmpty();
    served("v1", "setosa", 3);
    ClassDistributionSnapshot s = distribution.snapshot();
    assertThat(s.backends()).containsOnlyKeys("v1");
    assertThat(s.distance("v1", "v2")).isEmpty();
    distribution.recordServed("v2", new byte[0]); // v2 counted, but no valid prediction yet
    assertThat(distribution.snapshot().distance("v1", "v2")).isEmpty();
  }

  @Test
  void sameBehaviourAtAnUnevenSplitIsZeroApart() {
    served("v1", 270, 270, 360);
    served("v2", 30, 30, 40);
    DistributionDistance d = distribution.snapshot().distance("v1", "v2").orElseThrow();
    assertThat(d.psi()).isCloseTo(0, within(1e-12));
    assertThat(d.pValue()).isCloseTo(1, within(1e-9));
    assertThat(d.baselineCalls()).isEqualTo(900);
    assertThat(d.canaryCalls()).isEqualTo(100);
  }

  /** The numbers of DistributionDistanceTest's worked example, fed call by call. */
  @Test
  void aCanaryAnsweringVirginicaThreeTimesAsOftenShows() {
    served("v1", 400, 400, 200);
    served("v2", 200, 200, 600);
    DistributionDistance d = distribution.snapshot().distance("v1", "v2").orElseThrow();
    assertThat(d.psi()).isCloseTo(0.71670, within(1e-5));
    assertThat(d.chiSquare()).isCloseTo(1000.0 / 3, within(1e-9));
    assertThat(d.pValue()).isLessThan(1e-70);
  }

  @Test
  void backendsAndClassesAreBounded() {
    for (int b = 0; b < 100; b++) {
      distribution.recordServed("backend-" + b, Messages.answer("class-" + b, 0.5, ""));
    }
    distribution.recordServed("v".repeat(1_000), Messages.answer("c".repeat(1_000), 0.5, ""));
    ClassDistributionSnapshot s = distribution.snapshot();
    assertThat(s.backends()).hasSize(ClassDistribution.MAX_BACKENDS + 1).containsKey("__other__");
    BackendClasses other = s.backends().get("__other__");
    assertThat(other.predictions()).isEqualTo(100 - ClassDistribution.MAX_BACKENDS + 1);
    assertThat(other.byClass()).hasSize(ClassDistribution.MAX_CLASSES + 1).containsKey("__other__");
    assertThat(s.backends().values().stream().mapToLong(BackendClasses::predictions).sum()).isEqualTo(101);
    assertThat(s.backends().get("backend-0").byClass()).containsEntry("class-0", 1L).containsEntry("__other__", 0L);
  }

  @Test
  void theSharedOtherClassIsShownOnlyOnceSomethingIsInIt() {
    served("v1", "setosa", 1);
    assertThat(distribution.snapshot().backends().get("v1").byClass()).containsOnlyKeys("setosa");
  }

  @Test
  void concurrentRecordingKeepsExactTotals() throws Exception {
    int threads = 8;
    int perThread = 30_000;
    Map<String, byte[]> answers = new LinkedHashMap<>();
    for (String species : List.of("setosa", "versicolor", "virginica")) {
      answers.put(species, Messages.answer(species, 1.0, ""));
    }
    List<byte[]> cycle = new ArrayList<>(answers.values());
    Concurrently.run(threads, thread -> {
      String backend = thread % 2 == 0 ? "v1" : "v2";
      for (int i = 0; i < perThread; i++) {
        distribution.recordServed(backend, cycle.get(i % 3));
      }
    });
    long each = (long) threads / 2 * perThread / 3;
    ClassDistributionSnapshot s = distribution.snapshot();
    for (String backend : List.of("v1", "v2")) {
      assertThat(s.backends().get(backend).byClass()).as(backend).containsExactly(Map.entry("setosa", each),
          Map.entry("versicolor", each), Map.entry("virginica", each));
    }
  }
}
