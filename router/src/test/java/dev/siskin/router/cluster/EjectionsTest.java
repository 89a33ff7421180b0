package dev.siskin.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EjectionsTest {
  private static final Duration BASE = Duration.ofSeconds(30);
  private static final Duration MAX = Duration.ofSeconds(300);

  @Test
  void ejectionTimeGrowsWithRepeatsUpToTheCap() {
    assertThat(Ejections.duration(1, BASE, MAX)).isEqualTo(Duration.ofSeconds(30));
    assertThat(Ejections.duration(2, BASE, MAX)).isEqualTo(Duration.ofSeconds(60));
    assertThat(Ejections.duration(10, BASE, MAX)).isEqualTo(Duration.ofSeconds(300));
    assertThat(Ejections.duration(11, BASE, MAX)).isEqualTo(MAX);
    assertThat(Ejections.duration(Integer.MAX_VALUE, BASE, MAX)).isEqualTo(MAX);
  }

  @Test
  void maxEjectionPercentCapsTheShareOfEjectedBackendsButOneMayAlwaysGo() {
    assertThat(Ejections.mayEject(0, 2, 50)).isTrue();
    assertThat(Ejections.mayEject(1, 2, 50)).isFalse();
    assertThat(Ejections.mayEject(1, 4, 50)).isTrue();
    assertThat(Ejections.mayEject(2, 4, 50)).isFalse();
    assertThat(Ejections.mayEject(0, 1, 10)).isTrue();
    assertThat(Ejections.mayEject(1, 2, 100)).isTrue();
    assertThat(Ejections.mayEject(0, 2, 0)).isFalse();
  }

  @Test
  void hostHealthEjectsForGrowingTimesAndStartsOverAfterAQuietSpell() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    HostHealth health = new HostHealth(t0);
    Instant until1 = health.eject("5 consecutive calls ended UNAVAILABLE", BASE, MAX, t0);
    assertThat(until1).isEqualTo(t0.plusSeconds(30));
    assertThat(health.status().state()).isEqualTo(HostHealth.State.EJECTED);
    assertThat(health.routable()).isFalse();
    assertThat(health.status().reason()).startsWith("5 consecutive calls ended UNAVAILABLE");

    assertThat(health.endEjection(t0, until1)).isFalse(); // not the current ejection
    assertThat(health.endEjection(until1, until1)).isTrue();
    assertThat(health.routable()).isTrue();

    Instant until2 = health.eject("again", BASE, MAX, until1.plusSeconds(10));
    assertThat(until2).isEqualTo(until1.plusSeconds(10 + 60));
    assertThat(health.status().ejections()).isEqualTo(2);
    health.endEjection(until2, until2);

    Instant later = until2.plus(MAX);
    assertThat(health.eject("after a quiet spell", BASE, MAX, later)).isEqualTo(later.plusSeconds(30));
    assertThat(health.ejectionsTotal()).isEqualTo(3);
  }

  @Test
  void anEjectionHidesTheCheckVerdictUntilItEnds() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    HostHealth health = new HostHealth(t0);
    health.recordCheck(true, true, "", 2, 2, t0);
    assertThat(health.status().state()).isEqualTo(HostHealth.State.HEALTHY);
    Instant until = health.eject("x", BASE, MAX, t0);
    health.recordCheck(false, true, "health check failed: UNAVAILABLE", 2, 1, t0.plusSeconds(1));
    assertThat(health.status().state()).isEqualTo(HostHealth.State.EJECTED);
    health.endEjection(until, until);
    assertThat(health.status().state()).isEqualTo(HostHealth.State.UNHEALTHY);
    assertThat(health.status().reason()).isEqualTo("health check failed: UNAVAILABLE");
  }

  @Test
  void checksThatSeeTheBackendComeBackEndItsEjection() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    HostHealth health = new HostHealth(t0);
    health.recordCheck(true, true, "", 2, 2, t0);
    Instant until = health.eject("5 consecutive calls ended UNAVAILABLE", BASE, MAX, t0);
    health.recordCheck(false, true, "down", 2, 2, t0.plusSeconds(1));
    health.recordCheck(false, true, "down", 2, 2, t0.plusSeconds(2));
    health.recordCheck(true, true, "", 2, 2, t0.plusSeconds(3));
    assertThat(health.status().state()).isEqualTo(HostHealth.State.EJECTED);
    assertThat(health.recordCheck(true, true, "", 2, 2, t0.plusSeconds(4))).isTrue();
    assertThat(health.status().state()).isEqualTo(HostHealth.State.HEALTHY);
    assertThat(health.endEjection(until, until)).isFalse();
  }

  @Test
  void passingChecksAloneDoNotEndAnEjection() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    HostHealth health = new HostHealth(t0);
    health.recordCheck(true, true, "", 2, 2, t0);
    health.eject("5 consecutive calls ended UNAVAILABLE", BASE, MAX, t0);
    for (int i = 1; i <= 5; i++) {
      health.recordCheck(true, true, "", 2, 2, t0.plusSeconds(i));
    }
    assertThat(health.status().state()).isEqualTo(HostHealth.State.EJECTED);
  }
}
