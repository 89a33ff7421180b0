package dev.siskin.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The commands end to end against in-JVM fakes of the router, a model server and the admin endpoint. */
class CommandsTest {
  @Test
  void predictPrintsSpeciesConfidenceVersionAndBackend() throws Exception {
    try (FakePredictionServer server = FakePredictionServer.router()) {
      CliRun run = CliRun.of("predict", "--target", server.target(), "5.1", "3.5", "1.4", "0.2");
      assertThat(run.exitCode()).isZero();
      assertThat(run.out()).isEqualTo(String.format(
          "species     setosa%nconfidence  0.970%nversion     v1.0.0%nbackend     v1%n"));
      assertThat(run.err()).isEmpty();

      CliRun named = CliRun.of("predict", "--target", server.target(), "-f", "petal_width=0.2", "-f", "sepal_length=5.1",
          "--feature", "sepal_width=3.5", "--feature", "petal_length=1.4");
      assertThat(named.exitCode()).isZero();
      assertThat(named.out()).contains("version     v2.0.0").contains("backend     v2");
    }
  }

  @Test
  void predictDirectlyAtModelServerShowsNoBackend() throws Exception {
    try (FakePredictionServer server = FakePredictionServer.modelServer("ok")) {
      CliRun run = CliRun.of("predict", "--target", server.target(), "5.1", "3.5", "1.4", "0.2");
      assertThat(run.exitCode()).isZero();
      assertThat(run.out()).contains(String.format("backend     -%n"));
    }
  }

  @Test
  void serverRejectionIsOneLineWithTheServersReason() throws Exception {
    try (FakePredictionServer server = FakePredictionServer.router()) {
      CliRun run = CliRun.of("predict", "--target", server.target(), "-1", "3.5", "1.4", "0.2");
      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.errLines()).containsExactly("error: Predict on " + server.target()
          + " failed: INVALID_ARGUMENT (feature 'sepal_length' is -1.0 (expected: a length in cm greater than 0))");
      assertThat(run.out()).isEmpty();
    }
  }

  @Test
  void healthExitsZeroOnlyForTheSeedsOk() throws Exception {
    try (FakePredictionServer serving = FakePredictionServer.modelServer("ok");
         FakePredictionServer draining = FakePredictionServer.modelServer("draining")) {
      CliRun ok = CliRun.of("health", "--target", serving.target());
      assertThat(ok.exitCode()).isZero();
      assertThat(ok.out()).isEqualTo(String.format("status   ok%nversion  v1.0.0%nbackend  -%n"));

      CliRun notServing = CliRun.of("health", "--target", draining.target());
      assertThat(notServing.exitCode()).isEqualTo(1);
      assertThat(notServing.errLines()).containsExactly(
          "error: " + draining.target() + " reports status 'draining' (expected: ok)");
    }
  }

  @Test
  void distributionPassesWhenSplitFitsExpect() throws Exception {
    try (FakePredictionServer server = FakePredictionServer.router()) {
      CliRun run = CliRun.of("distribution", "--target", server.target(), "-n", "200", "-c", "1",
          "--expect", "v1=50,v2=50", "--no-admin");
      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(run.out())
          .contains("Sent 200 Predict calls to " + server.target() + ", 1 at a time: 200 ok, 0 failed")
          .contains("Expected split v1=50,v2=50 (from --expect)")
          .containsPattern("v1 +50\\.0 % +50\\.0 % +100\\.0 +100  v1\\.0\\.0=100")
          .containsPattern("v2 +50\\.0 % +50\\.0 % +100\\.0 +100  v2\\.0\\.0=100")
          .contains("chi-square 0.000, 1 degree of freedom, p = 1.000: plausible")
          .endsWith(String.format("PASS%n"));
      assertThat(run.err()).isEmpty();
    }
  }

  @Test
  void distributionFailsWhenSplitIsImplausible() throws Exception {
    try (FakePredictionServer server = FakePredictionServer.router()) {
      CliRun run = CliRun.of("distribution", "--target", server.target(), "-n", "200", "-c", "8",
          "--expect", "v1=90,v2=10", "--no-admin");
      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.out()).contains("IMPLAUSIBLE").doesNotContain("PASS");
      assertThat(run.errLines()).containsExactly(
          "error: the observed split does not fit v1=90,v2=10 (see the table above)");
    }
  }

  @Test
  void distributionFailsAndSummarizesFailedCalls() throws Exception {
    try (FakePredictionServer server = FakePredictionServer.routerFailingEvery(10)) {
      CliRun run = CliRun.of("distribution", "--target", server.target(), "-n", "200", "-c", "4",
          "--expect", "v1=50,v2=50", "--no-admin");
      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.out()).contains("180 ok, 20 failed");
      assertThat(run.errLines()).containsExactly(
          "error: 20 of 200 calls failed (RESOURCE_EXHAUSTED=20), e.g. RESOURCE_EXHAUSTED (fake overload)");
    }
  }

  @Test
  void distributionReadsConfiguredWeightsFromAdmin() throws Exception {
    try (FakePredictionServer server = FakePredictionServer.router();
         FakeAdmin fiftyFifty = FakeAdmin.withWeights(50, 50);
         FakeAdmin ninetyTen = FakeAdmin.withWeights(90, 10)) {
      CliRun fits = CliRun.of("distribution", "--target", server.target(), "-n", "100", "--admin", fiftyFifty.address());
      assertThat(fits.exitCode()).as(fits.err()).isZero();
      assertThat(fits.out()).contains("Expected split v1=50,v2=50 (from router admin /clusters, generation 7)");

      CliRun misfit = CliRun.of("distribution", "--target", server.target(), "-n", "100", "--admin", ninetyTen.address());
      assertThat(misfit.exitCode()).isEqualTo(1);
      assertThat(misfit.errLines()).containsExactly(
          "error: the observed split does not fit v1=90,v2=10 (see the table above)");

      // An explicit --expect is what gets tested; the admin's differing view is pointed out.
      CliRun explicit = CliRun.of("distribution", "--target", server.target(), "-n", "100", "--admin",
          ninetyTen.address(), "--expect", "v1=1,v2=1");
      assertThat(explicit.exitCode()).isZero();
      assertThat(explicit.out()).contains("Expected split v1=1,v2=1 (from --expect)")
          .contains("Note: the router admin reports v1=90,v2=10, which differs from --expect; testing against --expect.");
    }
  }

  @Test
  void distributionWithoutAnyExpectationShowsObservedOnly() throws Exception {
    try (FakePredictionServer server = FakePredictionServer.router()) {
      String deadAdmin = FreePort.address();
      CliRun run = CliRun.of("distribution", "--target", server.target(), "-n", "10", "--admin", deadAdmin);
      assertThat(run.exitCode()).isZero();
      assertThat(run.out())
          .contains("No expected split to test against: router admin at " + deadAdmin
              + " did not answer (connection refused), and no --expect was given. Observed only:")
          .containsPattern("v1 +50\\.0 % +5  v1\\.0\\.0=5")
          .endsWith(String.format("PASS: every call succeeded (the split itself was not tested)%n"));
    }
  }

  @Test
  void readyFollowsAdminStatus() throws Exception {
    try (FakeAdmin ready = FakeAdmin.withWeights(90, 10); FakeAdmin notReady = new FakeAdmin("{}", 503)) {
      assertThat(CliRun.of("ready", "--admin", ready.address()).exitCode()).isZero();
      CliRun run = CliRun.of("ready", "--admin", notReady.address());
      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.errLines()).containsExactly(
          "error: router admin at " + notReady.address() + " is not ready (HTTP 503 on /ready)");
    }
  }
}
