package dev.siskin.router.h2;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The warm-up's synthetic calls all pass through a private frame core and leave nothing behind. */
@ExtendWith(LeakCheck.class)
class WarmUpTest {
  @Test
  void everySyntheticCallPassesAndNoneFails() throws Exception {
    WarmUp.Result r = WarmUp.run(2000, 2, Duration.ofSeconds(20));
    assertThat(r.calls()).isEqualTo(2000);
    assertThat(r.failed()).isZero();
  }

  @Test
  void noCallsMeansNoWarmUp() throws Exception {
    assertThat(WarmUp.run(0, 2, Duration.ofSeconds(1)).took()).isZero();
  }
}
