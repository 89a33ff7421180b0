package dev.siskin.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** status against a fake admin endpoint serving the real router's JSON. */
class StatusCommandTest {
  @Test
  void aRejectedFileIsReportedWithTheRoutersErrorAndTheWeightsInForceAndExitsOne() throws Exception {
    try (FakeAdmin admin = new FakeAdmin(AdminFixtures.clusters(), AdminFixtures.configRejected(), 200)) {
      CliRun run = CliRun.of("status", "--admin", admin.address());

      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.out())
          .contains("reads /etc/siskin/canary.conf, config generation 1 applied 2026-12-01T17:21:37Z")
          .contains("last load of the file 2026-12-01T17:21:46Z: REJECTED: /etc/siskin/canary.conf:7: "
              + "backends.v2.max-in-flight: -3 (expected: an integer >= 0; 0 = no limit)")
          .contains("keeps serving its last good config")
          .containsPattern("v1 +50 +50\\.0 % +healthy +127\\.0\\.0\\.1:41873")
          .containsPattern("v2 +50 +50\\.0 % +unhealthy +127\\.0\\.0\\.1:41874");
      assertThat(run.errLines()).containsExactly("error: the router rejected its config file: "
          + "/etc/siskin/canary.conf:7: backends.v2.max-in-flight: -3 (expected: an integer >= 0; 0 = no limit) "
          + "(it serves config generation 1, applied 2026-12-01T17:21:37Z)");
    }
  }

  @Test
  void theSplitIsShownPerWindowWithEachWindowNamed() throws Exception {
    try (FakeAdmin admin = new FakeAdmin(AdminFixtures.clusters(), AdminFixtures.configOk(), 200)) {
      CliRun run = CliRun.of("status", "--admin", admin.address());

      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(run.err()).isEmpty();
      assertThat(run.out())
          .contains("last load of the file 2026-12-01T17:21:46Z: ok")
          .containsPattern("backend +last minute +share +since start +share")
          .containsPattern("v1 +500 +50\\.0 % +3500 +70\\.0 %")
          .containsPattern("v2 +500 +50\\.0 % +1500 +30\\.0 %")
          .contains("last minute = the last 50 to 60 s")
          .doesNotContain("REJECTED");
    }
  }

  @Test
  void aRouterThatDoesNotAnswerIsAnErrorUnlessAllowed() throws Exception {
    String down = FreePort.address();

    CliRun strict = CliRun.of("status", "--admin", down);
    assertThat(strict.exitCode()).isEqualTo(1);
    assertThat(strict.errLines()).containsExactly("error: router admin at " + down + " did not answer (connection refused)");

    CliRun allowed = CliRun.of("status", "--admin", down, "--allow-down");
    assertThat(allowed.exitCode()).isZero();
    assertThat(allowed.out()).isEqualTo("Router: unknown (router admin at " + down
        + " did not answer (connection refused); is the router running?)" + System.lineSeparator());
  }

  @Test
  void somethingElseAnsweringIsAnErrorEvenWhenTheRouterMayBeDown() throws Exception {
    try (FakeAdmin notTheRouter = new FakeAdmin("<html>", "<html>", 200)) {
      CliRun run = CliRun.of("status", "--admin", notTheRouter.address(), "--allow-down");

      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.errLines()).singleElement().asString().startsWith("error: router admin /config is not JSON");
    }
  }
}
