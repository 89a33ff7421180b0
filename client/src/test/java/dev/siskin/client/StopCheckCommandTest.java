package dev.siskin.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** stop-check against in-JVM servers that stop by themselves after some calls, cleanly or not. */
class StopCheckCommandTest {
  @Test
  void passesWhenTheTargetAnswersEveryCallItTookAndThenRefusesConnections() throws Exception {
    try (FakePredictionServer server = FakePredictionServer.stoppingAfter(300, 0)) {
      CliRun run = CliRun.of("stop-check", "--target", server.target(), "-c", "4", "--max-time", "30s");

      assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
      assertThat(run.out())
          .contains("calls are answered: stop the target now")
          .containsPattern("Sent \\d+ calls in [0-9.]+ s: (\\d{3,}) ok, [1-9]\\d* refused before being sent "
              + "\\(the target had stopped listening\\), 0 failed")
          .endsWith("PASS: no call was lost while the target stopped" + System.lineSeparator());
    }
  }

  @Test
  void failsWhenTheTargetFailsCallsWhileItStops() throws Exception {
    try (FakePredictionServer server = FakePredictionServer.stoppingAfter(300, 20)) {
      CliRun run = CliRun.of("stop-check", "--target", server.target(), "-c", "4", "--max-time", "30s");

      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.out()).contains(", 20 failed");
      assertThat(run.errLines()).containsExactly("error: 20 calls failed that were not refused before being sent "
          + "(UNAVAILABLE=20), e.g. UNAVAILABLE (fake: no backend)");
    }
  }

  @Test
  void failsWhenTheTargetNeverStops() throws Exception {
    try (FakePredictionServer server = FakePredictionServer.router()) {
      CliRun run = CliRun.of("stop-check", "--target", server.target(), "-n", "50");

      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.out()).contains("Sent 50 calls", "50 ok, 0 refused");
      assertThat(run.errLines()).containsExactly("error: " + server.target()
          + " did not stop: no connection was refused within 50 calls and 60.0 s");
    }
  }

  @Test
  void failsWhenNoCallEverSucceeded() throws Exception {
    String down = FreePort.address();
    CliRun run = CliRun.of("stop-check", "--target", down);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).doesNotContain("calls are answered");
    assertThat(run.errLines()).containsExactly("error: no call succeeded, so the stop was not observed under load; "
        + "start stop-check while " + down + " serves");
  }
}
