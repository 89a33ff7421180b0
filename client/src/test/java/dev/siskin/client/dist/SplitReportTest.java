package dev.siskin.client.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SplitReportTest {
  private final DistributionResult result = new DistributionResult(2002,
      Map.of("v1", Map.of("v1.0.0", 1795L), "v2", Map.of("v2.0.0", 204L, "v1.0.0", 1L)),
      Map.of(Status.Code.UNAVAILABLE, 1L, Status.Code.DEADLINE_EXCEEDED, 1L), Map.of("v2", 2L),
      "UNAVAILABLE (backend down)", Duration.ofMillis(2000));

  @Test
  void tableShowsExpectedAndObservedPerBackend() {
    SplitCheck.Verdict v = SplitCheck.check(result, ExpectedShares.parse("v1=90,v2=10"), SplitCheck.DEFAULT_ALPHA);
    assertThat(SplitReport.table(v)).isEqualTo(
        "backend  expected share  observed share  expected calls  observed calls  model versions\n"
            + "v1               90.0 %          89.8 %          1800.0            1795  v1.0.0=1795\n"
            + "v2               10.0 %          10.3 %           200.0             205  v1.0.0=1 v2.0.0=204\n");
    assertThat(SplitReport.testLine(v))
        .isEqualTo("chi-square 0.139, 1 degree of freedom, p = 0.709: plausible (fails below p = 0.001)"
            + System.lineSeparator());
  }

  @Test
  void headlineAndFailureSummary() {
    assertThat(SplitReport.headline(result, "127.0.0.1:50051", 16)).isEqualTo(
        "Sent 2002 Predict calls to 127.0.0.1:50051, 16 at a time: 2000 ok, 2 failed, in 2.00 s (1001 calls/s)"
            + System.lineSeparator());
    assertThat(SplitReport.failures(result)).isEqualTo("DEADLINE_EXCEEDED=1, UNAVAILABLE=1");
  }

  @Test
  void observedOnlyTable() {
    assertThat(SplitReport.observedTable(result)).isEqualTo(
        "backend  observed share  observed calls  model versions\n"
            + "v1               89.8 %            1795  v1.0.0=1795\n"
            + "v2               10.3 %             205  v1.0.0=1 v2.0.0=204\n");
  }

  @Test
  void smallPValuesInScientificNotation() {
    assertThat(SplitReport.pValue(9.085e-14)).isEqualTo("9.1e-14");
    assertThat(SplitReport.pValue(0.0423)).isEqualTo("0.042");
    assertThat(SplitReport.pValue(0)).isEqualTo("< 1e-300");
    assertThat(SplitReport.pValue(1)).isEqualTo("1.000");
  }
}
