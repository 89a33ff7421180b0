package dev.siskin.client.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadReportTest {
  private static final Duration LATENESS = Duration.ofMillis(50);

  @Test
  void summaryWithKnownCountsAndTheBackendByCodeTable() {
    LoadResult r = new LoadResult("127.0.0.1:50051", new LoadSchedule(100, Duration.ofSeconds(5)), 1000, 490, 7, 3,
        2, Duration.ofMillis(5000), null,
        Map.of("v1", Map.of(Status.Code.OK, 400L, Status.Code.INTERNAL, 5L),
            "v2", Map.of(Status.Code.OK, 80L, Status.Code.UNAVAILABLE, 3L)),
        new LoadResult.Latency(1.234, 9.5, 20), Status.INTERNAL);

    assertThat(LoadReport.render(r, LATENESS)).isEqualTo(String.join("\n",
        "Load on 127.0.0.1:50051: 100 calls/s for 5 s (500 calls), at most 1000 in flight",
        "Sent      490 calls in 5.00 s: 98.0 calls/s achieved",
        "Skipped   7 at the in-flight cap (1000), 3 more than 50 ms behind schedule",
        "Answered  480 OK, 8 failed, 2 unfinished (still in flight at the end)",
        "Latency   p50 1.23 ms, p99 9.50 ms, max 20.00 ms (OK calls)",
        "",
        "backend   OK  INTERNAL  UNAVAILABLE  total",
        "v1       400         5            0    405",
        "v2        80         0            3     83",
        "all      480         5            3    488",
        ""));
  }

  @Test
  void aStoppedRunSaysSoAndHowManyPlannedCallsWereNotSent() {
    LoadResult r = new LoadResult("127.0.0.1:1", new LoadSchedule(0.5, Duration.ofMillis(1500)), 10, 1, 0, 0, 0,
        Duration.ofMillis(1250), "SIGTERM", Map.of("-", Map.of(Status.Code.OK, 1L)), null, null);

    String report = LoadReport.render(r, LATENESS);
    assertThat(report)
        .startsWith("Load on 127.0.0.1:1: 0.5 calls/s for 1.5 s (1 calls), at most 10 in flight\n"
            + "Stopped by SIGTERM after 1.25 s: 0 planned calls were not sent\n")
        .contains("Latency   - (no OK call)\n")
        .endsWith("backend  OK  total\n-         1      1\n")
        .as("one backend: no 'all' row").doesNotContain("\nall ");
  }

  @Test
  void nothingFinishedShowsNoTable() {
    LoadResult r = new LoadResult("t:1", new LoadSchedule(10, Duration.ofSeconds(1)), 1, 0, 10, 0, 0,
        Duration.ofSeconds(1), null, Map.of(), null, null);
    assertThat(LoadReport.render(r, LATENESS)).doesNotContain("backend").contains("Sent      0 calls");
  }
}
