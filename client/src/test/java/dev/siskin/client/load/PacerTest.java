package dev.siskin.client.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PacerTest {
  private static final long MS = 1_000_000L;
  private final LoadSchedule everyTenMs = new LoadSchedule(100, Duration.ofSeconds(1));

  @Test
  void handsOutEachDueCallOnceInOrder() {
    Pacer pacer = new Pacer(everyTenMs, Duration.ofMillis(50));
    assertThat(pacer.advance(0)).isEqualTo(new Pacer.Tick(0, 1, 0));
    assertThat(pacer.advance(5 * MS)).isEqualTo(new Pacer.Tick(1, 0, 0));
    assertThat(pacer.nextDueNanos()).isEqualTo(10 * MS);
    assertThat(pacer.advance(10 * MS)).isEqualTo(new Pacer.Tick(1, 1, 0));
    assertThat(pacer.advance(10 * MS)).as("asked again at the same time").isEqualTo(new Pacer.Tick(2, 0, 0));
    assertThat(pacer.advance(35 * MS)).as("a little late: catches up").isEqualTo(new Pacer.Tick(2, 2, 0));
    assertThat(pacer.issued()).isEqualTo(4);
  }

  @Test
  void aLongStallDropsTheCallsDueTooLongAgoInsteadOfBurstingThem() {
    Pacer pacer = new Pacer(everyTenMs, Duration.ofMillis(50));
    pacer.advance(0);
    // Woke up 300 ms later: calls 1..30 are due; those due at 250 ms or earlier are 50 ms or more late.
    Pacer.Tick tick = pacer.advance(300 * MS);
    assertThat(tick.late()).isEqualTo(25); // calls 1..25 (10 .. 250 ms)
    assertThat(tick.first()).isEqualTo(26);
    assertThat(tick.send()).isEqualTo(5); // calls 26..30 (260 .. 300 ms)
    assertThat(tick.send()).as("the burst bound: rate * lateness + 1").isLessThanOrEqualTo(100 * 50 / 1000 + 1);
    assertThat(pacer.issued()).isEqualTo(31);
  }

  @Test
  void isDoneAfterTheLastCallAndHandsOutNothingMore() {
    Pacer pacer = new Pacer(everyTenMs, Duration.ofMillis(50));
    long sent = 0;
    long late = 0;
    for (long t = 0; t <= 2_000 * MS; t += 7 * MS) { // a loop that wakes every 7 ms, past the end
      Pacer.Tick tick = pacer.advance(t);
      sent += tick.send();
      late += tick.late();
    }
    assertThat(pacer.done()).isTrue();
    assertThat(sent).isEqualTo(100);
    assertThat(late).isZero();
  }
}
