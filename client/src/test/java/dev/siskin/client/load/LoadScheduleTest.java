package dev.siskin.client.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoadScheduleTest {
  private static final long MS = 1_000_000L;

  @Test
  void totalIsTheCallsWhoseTimeFallsWithinTheDuration() {
    assertThat(new LoadSchedule(200, Duration.ofSeconds(1)).total()).isEqualTo(200);
    assertThat(new LoadSchedule(100, Duration.ofSeconds(5)).total()).isEqualTo(500);
    assertThat(new LoadSchedule(3, Duration.ofSeconds(1)).total()).isEqualTo(3); // 0, 1/3, 2/3 s
    assertThat(new LoadSchedule(2.5, Duration.ofSeconds(1)).total()).isEqualTo(3); // 0, 0.4, 0.8 s
    assertThat(new LoadSchedule(0.5, Duration.ofSeconds(1)).total()).isEqualTo(1); // call 0 at the start
    assertThat(new LoadSchedule(0.1, Duration.ofMillis(25_000)).total()).isEqualTo(3); // 0, 10, 20 s
  }

  @Test
  void callsAreDueEveryOneOverRateSecondsFromTheStart() {
    LoadSchedule s = new LoadSchedule(200, Duration.ofSeconds(1)); // one call every 5 ms
    assertThat(s.dueBy(-1)).isZero();
    assertThat(s.dueBy(0)).isEqualTo(1);
    assertThat(s.dueBy(5 * MS - 1)).isEqualTo(1);
    assertThat(s.dueBy(5 * MS)).isEqualTo(2);
    assertThat(s.dueBy(500 * MS)).isEqualTo(101);
    assertThat(s.dueBy(995 * MS)).isEqualTo(200);
    assertThat(s.dueBy(10_000 * MS)).as("never more than the total").isEqualTo(200);
  }

  @Test
  void nanosOfIsTheTimeAtWhichTheCallBecomesDue() {
    LoadSchedule s = new LoadSchedule(3, Duration.ofSeconds(2));
    for (long call = 0; call < s.total(); call++) {
      long at = s.nanosOf(call);
      assertThat(s.dueBy(at)).as("call %d at %d ns", call, at).isEqualTo(call + 1);
      assertThat(s.dueBy(at - 1)).as("call %d before %d ns", call, at).isEqualTo(call);
    }
  }

  @Test
  void refusesNonPositiveRatesAndDurations() {
    assertThatThrownBy(() -> new LoadSchedule(0, Duration.ofSeconds(1))).hasMessageContaining("rate: 0.0");
    assertThatThrownBy(() -> new LoadSchedule(Double.NaN, Duration.ofSeconds(1))).hasMessageContaining("rate: NaN");
    assertThatThrownBy(() -> new LoadSchedule(1, Duration.ZERO)).hasMessageContaining("duration: PT0S");
  }
}
