package dev.siskin.router.canary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DisagreementLogTest {

  private static Disagreement at(long second) {
    return new Disagreement(Instant.ofEpochSecond(second), List.of(), new PredictAnswer("a", 1, ""),
        new PredictAnswer("b", 1, ""));
  }

  @Test
  void keepsTheNewestUpToItsCapacityNewestFirst() {
    DisagreementLog log = new DisagreementLog(3);
    assertThat(log.newestFirst()).isEmpty();
    log.add(at(1));
    log.add(at(2));
    assertThat(log.newestFirst()).containsExactly(at(2), at(1));
    for (long s = 3; s <= 10; s++) {
      log.add(at(s));
    }
    assertThat(log.newestFirst()).containsExactly(at(10), at(9), at(8));
  }

  @Test
  void aCapacityBelowOneIsRefused() {
    assertThatThrownBy(() -> new DisagreementLog(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("capacity 0 (expected: at least 1)");
  }
}
