package dev.siskin.router.h2;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GrpcTimeoutTest {
  @Test
  void parsesEveryUnitAndRefusesWhatIsNoTimeout() {
    assertThat(GrpcTimeout.parseNanos("30S")).isEqualTo(30_000_000_000L);
    assertThat(GrpcTimeout.parseNanos("100m")).isEqualTo(100_000_000L);
    assertThat(GrpcTimeout.parseNanos("2H")).isEqualTo(7_200_000_000_000L);
    assertThat(GrpcTimeout.parseNanos("5M")).isEqualTo(300_000_000_000L);
    assertThat(GrpcTimeout.parseNanos("7u")).isEqualTo(7_000L);
    assertThat(GrpcTimeout.parseNanos("9n")).isEqualTo(9L);
    for (String bad : new String[] {"", "S", "10", "10x", "-1S", "123456789S", "1.5S"}) {
      assertThat(GrpcTimeout.parseNanos(bad)).as(bad).isEqualTo(-1);
    }
  }

  @Test
  void formatsInTheFinestUnitThatFitsAndNeverShorter() {
    assertThat(GrpcTimeout.format(30_000_000_000L)).isEqualTo("30000000u");
    assertThat(GrpcTimeout.format(800_000_000L)).isEqualTo("800000u");
    assertThat(GrpcTimeout.format(1_500L)).isEqualTo("1500n");
    assertThat(GrpcTimeout.format(3_600_000_000_000L * 24)).isEqualTo("86400000m");
    for (long nanos : new long[] {1, 999, 123_456_789_012L, 7_200_000_000_000L}) {
      assertThat(GrpcTimeout.parseNanos(GrpcTimeout.format(nanos))).isGreaterThanOrEqualTo(nanos);
    }
  }
}
