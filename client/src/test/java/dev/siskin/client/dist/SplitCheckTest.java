package dev.siskin.client.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grpc.Status;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SplitCheckTest {
  private static DistributionResult observed(Map<String, Map<String, Long>> versionsByBackend) {
    long total = versionsByBackend.values().stream().flatMap(m -> m.values().stream()).mapToLong(Long::longValue).sum();
    return new DistributionResult((int) total, versionsByBackend, Map.of(), Map.of(), null, Duration.ofSeconds(1));
  }

  @Test
  void nearNinetyTenIsPlausible() {
    DistributionResult r = observed(Map.of("v1", Map.of("v1.0.0", 1795L), "v2", Map.of("v2.0.0", 205L)));
    SplitCheck.Verdict v = SplitCheck.check(r, ExpectedShares.parse("v1=90,v2=10"), SplitCheck.DEFAULT_ALPHA);
    assertThat(v.plausible()).isTrue();
    assertThat(v.chiSquare().pValue()).isCloseTo(0.70939, within(1e-5));
    assertThat(v.rows()).extracting(SplitCheck.Row::backend).containsExactly("v1", "v2");
    assertThat(v.rows().get(0).expectedCalls()).isCloseTo(1800, within(1e-9));
    assertThat(v.rows().get(1).observedShare()).isCloseTo(0.1025, within(1e-12));
  }

  @Test
  void fiftyFiftyAgainstNinetyTenIsImplausible() {
    DistributionResult r = observed(Map.of("v1", Map.of("v1.0.0", 100L), "v2", Map.of("v2.0.0", 100L)));
    SplitCheck.Verdict v = SplitCheck.check(r, ExpectedShares.parse("v1=90,v2=10"), SplitCheck.DEFAULT_ALPHA);
    assertThat(v.chiSquare().statistic()).isCloseTo(355.5556, within(1e-4));
    assertThat(v.plausible()).isFalse();
  }

  @Test
  void callOnBackendWithZeroWeightIsImplausibleWhateverTheStatistic() {
    DistributionResult r = observed(Map.of("v1", Map.of("v1.0.0", 999L), "v2", Map.of("v2.0.0", 1L)));
    SplitCheck.Verdict v = SplitCheck.check(r, ExpectedShares.parse("v1=100,v2=0"), SplitCheck.DEFAULT_ALPHA);
    assertThat(v.chiSquare().degreesOfFreedom()).isZero();
    assertThat(v.unexpected()).containsExactly("v2");
    assertThat(v.plausible()).isFalse();
  }

  @Test
  void allOnTheOnlyWeightedBackendIsPlausible() {
    DistributionResult r = observed(Map.of("v2", Map.of("v2.0.0", 500L)));
    SplitCheck.Verdict v = SplitCheck.check(r, ExpectedShares.parse("v1=0,v2=100"), SplitCheck.DEFAULT_ALPHA);
    assertThat(v.plausible()).isTrue();
    assertThat(v.rows()).extracting(SplitCheck.Row::backend).containsExactly("v1", "v2");
  }

  @Test
  void responsesWithoutBackendHeaderDoNotFitNamedBackends() {
    DistributionResult r = observed(Map.of("-", Map.of("v1.0.0", 100L)));
    SplitCheck.Verdict v = SplitCheck.check(r, ExpectedShares.parse("v1=90,v2=10"), SplitCheck.DEFAULT_ALPHA);
    assertThat(v.unexpected()).containsExactly("-");
    assertThat(v.plausible()).isFalse();
  }

  @Test
  void noSuccessfulCallMeansNoTest() {
    DistributionResult r = new DistributionResult(3, Map.of(), Map.of(Status.Code.UNAVAILABLE, 3L), Map.of("-", 3L),
        "UNAVAILABLE", Duration.ofMillis(5));
    SplitCheck.Verdict v = SplitCheck.check(r, ExpectedShares.parse("v1=1"), SplitCheck.DEFAULT_ALPHA);
    assertThat(v.chiSquare()).isNull();
    assertThat(r.unreachable()).isTrue();
  }
}
