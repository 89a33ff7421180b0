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
  void aRouterWithAnAdminTokenIsReadWithTheTokenFileAndRefusedWithoutIt(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) throws Exception {
    try (FakeAdmin admin = new FakeAdmin(AdminFixtures.clusters(), AdminFixtures.configOk(), 200)
        .requireToken("s3cret-token")) {
      java.nio.file.Path token = java.nio.file.Files.writeString(dir.resolve("admin.token"), "s3cret-token\n");
      CliRun with = CliRun.of("status", "--admin", admin.address(), "--admin-token-file", token.toString());
      assertThat(with.exitCode()).as(with.err()).isZero();
      assertThat(with.out()).contains("last load of the file 2026-12-01T17:21:46Z: ok");

      CliRun without = CliRun.of("status", "--admin", admin.address());
      assertThat(without.exitCode()).isEqualTo(1);
      assertThat(without.err()).contains("HTTP 401").contains("bearer token");

      CliRun missing = CliRun.of("status", "--admin", admin.address(), "--admin-token-file",
          dir.resolve("none").toString());
      assertThat(missing.exitCode()).isEqualTo(2);
      assertThat(missing.err()).contains("--admin-token-file=" + dir.resolve("none") + ": cannot read it");
    }
  }

  @Test
  void aRouterServingHttpsIsReadWithTheAdminCaAndItsClientCertificateAndRefusedWithout(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    dev.siskin.testkit.TestPki.Ca ca = dev.siskin.testkit.TestPki.newCa(dir, "admin-ca");
    dev.siskin.testkit.TestPki.Issued server = ca.issueServer("admin");
    dev.siskin.testkit.TestPki.Issued ops = ca.issueClient("ops", "ops");
    try (FakeAdmin admin = FakeAdmin.https(AdminFixtures.clusters(), AdminFixtures.configOk(),
        dev.siskin.testkit.TestPki.clientContext(ca, server), true)) {
      String address = "localhost:" + admin.address().substring(admin.address().lastIndexOf(':') + 1);
      CliRun with = CliRun.of("status", "--admin", address, "--admin-ca", ca.certFile().toString(),
          "--admin-cert", ops.cert().toString(), "--admin-key", ops.key().toString());
      assertThat(with.exitCode()).as(with.err()).isZero();
      assertThat(with.out()).contains("last load of the file 2026-12-01T17:21:46Z: ok");

      CliRun plain = CliRun.of("status", "--admin", address);
      assertThat(plain.exitCode()).isEqualTo(1);
      assertThat(plain.err()).contains("if it serves HTTPS (router.admin-tls), pass --admin-ca");

      CliRun noCertificate = CliRun.of("status", "--admin", address, "--admin-ca", ca.certFile().toString());
      assertThat(noCertificate.exitCode()).isEqualTo(1);
      assertThat(noCertificate.err()).contains("router admin at " + address);

      CliRun halfIdentity = CliRun.of("status", "--admin", address, "--admin-ca", ca.certFile().toString(),
          "--admin-cert", ops.cert().toString());
      assertThat(halfIdentity.exitCode()).isEqualTo(2);
      assertThat(halfIdentity.err()).contains("--admin-cert needs --admin-key");

      CliRun swapped = CliRun.of("status", "--admin", address, "--admin-ca", ops.key().toString());
      assertThat(swapped.exitCode()).isEqualTo(2);
      assertThat(swapped.err()).contains("--admin-ca=" + ops.key());
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

  // ------------------------------------------------------------------------------------ the automated rollout

  private static CliRun statusOf(String config, String canary) throws Exception {
    try (FakeAdmin admin = new FakeAdmin(AdminFixtures.clusters(), config, canary, 200)) {
      return CliRun.of("status", "--admin", admin.address());
    }
  }

  @Test
  void aRunningRolloutShowsItsStepEachGateAgainstItsBarWhatItWaitsForAndWhoSetsTheWeights() throws Exception {
    CliRun run = statusOf(AdminFixtures.configRolloutRunning(), AdminFixtures.canaryRolloutRunning());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("Weights in force (router /config; set by the rollout; file: v1=100 v2=0):")
        .containsPattern("v1 +90 +90\\.0 %")
        .containsPattern("v2 +10 +10\\.0 %")
        .contains("Rollout (router /canary): running, run 20261201T203112Z-1bdef7, v2 against v1\n"
            + "  step 10 % (1 of 4), canary share now 10 %\n"
            + "  time in step 2.3 s of 5 s; canary calls 40 of 100\n"
            + "  judge: hold\n")
        .containsPattern("\n +gate +verdict +evidence vs bar +reason\n")
        .containsPattern("\n +errors +pass +e-value 289 vs bar 300 +e-value 290 below bar 300 \\(4 of 4 failures")
        .containsPattern("\n +error-rate +waiting +e-value 1\\.08 vs bar 300; upper bound 27\\.3 % vs limit 5 % +"
            + "failure rate upper bound 27 % above limit 5 % \\(4 of 40 canary calls failed in this step\\)\n")
        .containsPattern("\n +latency-p99 +off +- +no p99 limit set\n")
        .contains("  waiting for: error-rate: failure rate upper bound 28 % above limit 5 % (3 of 34 canary calls "
            + "failed in this step); latency: waiting for traffic: 23 of 100 canary calls judged against the "
            + "threshold 140 ms; waiting for traffic: 34 of 100 canary calls; step time 1 of 5 s\n")
        .contains("  last decision: start at 2026-12-01T20:31:12Z (step 10 %): rollout 20261201T203112Z-1bdef7 of v2 "
            + "against v1, steps [10, 50, 90, 100]\n");
  }

  @Test
  void aRolledBackRolloutShowsTheRejectingGateAndTheDecisionButNoStaleClockOrWaiting() throws Exception {
    CliRun run = statusOf(AdminFixtures.configRolledBack(), AdminFixtures.canaryRolledBack());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("Weights in force (router /config; set by the rollout; file: v1=100 v2=0):")
        .contains("Rollout (router /canary): rolled-back, run 20261201T203112Z-1bdef7, v2 against v1\n"
            + "  step 10 % (1 of 4), canary share now 0 %\n"
            + "  canary calls 54 of 100\n"
            + "  judge's last report (step 10 %): roll-back\n")
        .containsPattern("\n +errors +reject +e-value 1440 vs bar 300 +canary failing more often than the baseline")
        .contains("  last decision: roll-back at 2026-12-01T20:31:15Z (step 10 %): errors: canary failing more often "
            + "than the baseline: e-value 1400 reached bar 300 (5 of 5 failures in this rollout from the canary, "
            + "0.5 expected)\n")
        .doesNotContain("waiting for:")
        .doesNotContain("time in step");
  }

  @Test
  void aRouterWhereNoRolloutEverRanGetsOneLine() throws Exception {
    CliRun run = statusOf(AdminFixtures.configOk(), AdminFixtures.canaryRolloutNeverRan());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).endsWith("\nRollout (router /canary): disabled\n")
        .contains("Weights in force (router /config):\n");
  }

  @Test
  void anOlderRouterWithoutRolloutFieldsGetsNoRolloutSection() throws Exception {
    String canary = AdminFixtures.canary().replaceFirst(",\\s*\"rollout\" : \\{[^}]*\\}", "");
    assertThat(canary).doesNotContain("rollout").contains("\"shadow\"");

    CliRun run = statusOf(AdminFixtures.configOk(), canary);

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).doesNotContain("Rollout").doesNotContain("set by the rollout")
        .contains("Weights in force (router /config):\n")
        .contains("Shadow comparison (router /canary):\n  v2 gets copies: 98 of 135");
  }
}
