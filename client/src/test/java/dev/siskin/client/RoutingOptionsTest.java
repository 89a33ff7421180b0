package dev.siskin.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code predict --backend} and {@code distribution --sticky-keys} against in-JVM fakes of the router and its admin. */
class RoutingOptionsTest {
  private static final String CLUSTERS_50_50 = "{\"generation\":7,\"backends\":[{\"name\":\"v1\",\"weight\":50},"
      + "{\"name\":\"v2\",\"weight\":50}]}";

  /** The router's /config with these routing headers. */
  private static String config(String forceHeader, String stickyHeader) {
    return "{\"generation\":7,\"backends\":[{\"name\":\"v1\",\"target\":\"127.0.0.1:1\",\"weight\":50},"
        + "{\"name\":\"v2\",\"target\":\"127.0.0.1:2\",\"weight\":50}],\"lastAttempt\":{\"ok\":true,\"error\":null},"
        + "\"routing\":{\"forceHeader\":\"" + forceHeader + "\",\"stickyHeader\":\"" + stickyHeader + "\"}}";
  }

  @Test
  void predictWithBackendSendsTheForceHeaderAndShowsTheForcedBackend() throws Exception {
    try (FakePredictionServer router = FakePredictionServer.routerWithRules()) {
      for (int i = 0; i < 3; i++) { // without the header the fake alternates, so three in a row prove it
        CliRun run = CliRun.of("predict", "--target", router.target(), "--backend", "v2", "5.1", "3.5", "1.4", "0.2");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains(String.format("version     v2.0.0%nbackend     v2%n"));
      }
    }
  }

  @Test
  void predictWithBackendFailsWhenAnotherBackendAnswers() throws Exception {
    try (FakePredictionServer ignoresRules = FakePredictionServer.router()) { // its first call goes to v1
      CliRun run = CliRun.of("predict", "--target", ignoresRules.target(), "--backend", "v2", "5.1", "3.5", "1.4", "0.2");

      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.out()).contains("backend     v1");
      assertThat(run.errLines()).containsExactly("error: asked for backend v2 with x-canary-backend, but v1 answered: "
          + "the router does not route by x-canary-backend (its routing.force-header is off or another header; "
          + "see its /config)");
    }
  }

  @Test
  void predictWithBackendAtAModelServerSaysNoBackendAnswered() throws Exception {
    try (FakePredictionServer model = FakePredictionServer.modelServer("ok")) {
      CliRun run = CliRun.of("predict", "--target", model.target(), "--backend", "v2", "5.1", "3.5", "1.4", "0.2");

      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.err()).contains("the answer names no backend (is --target a model server rather than the router?)");
    }
  }

  @Test
  void predictRefusesAForceHeaderThatIsNoHeaderName() throws Exception {
    CliRun run = CliRun.of("predict", "--target", "127.0.0.1:1", "--backend", "v2", "--force-header", "X-Canary",
        "5.1", "3.5", "1.4", "0.2");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).startsWith("error: --force-header 'X-Canary': expected a lower-case header name");
  }

  @Test
  void distributionWithStickyKeysPassesWhenEveryKeyStaysAndTestsTheKeysSplit() throws Exception {
    try (FakePredictionServer router = FakePredictionServer.routerWithRules()) {
      CliRun run = CliRun.of("distribution", "--target", router.target(), "-n", "200", "-c", "4", "--sticky-keys", "20",
          "--expect", "v1=50,v2=50", "--no-admin");

      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(run.out())
          .contains("Sticky header x-user-id (default; --no-admin was given)")
          .containsPattern("v1 +50\\.0 % +50\\.0 % +10\\.0 +10  v1\\.0\\.0=100")
          .contains("expected keys")
          .contains("Sticky keys: 20 keys in x-user-id, 10 calls each: every key stayed on one backend")
          .endsWith(String.format("PASS%n"));
    }
  }

  /** The fake without rules alternates v1/v2 call by call: with 21 keys sent in turn, every key sees both. */
  @Test
  void distributionWithStickyKeysFailsWhenAKeyIsServedByTwoBackends() throws Exception {
    try (FakePredictionServer ignoresKeys = FakePredictionServer.router()) {
      CliRun run = CliRun.of("distribution", "--target", ignoresKeys.target(), "-n", "42", "-c", "1",
          "--sticky-keys", "21", "--expect", "v1=50,v2=50", "--no-admin");

      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.out()).contains("Sticky keys: 21 keys in x-user-id, 2 calls each: 21 of 21 keys were served by "
          + "more than one backend, e.g. user-0 (v1=1 v2=1), user-1 (v1=1 v2=1)").doesNotContain("PASS");
      assertThat(run.errLines()).containsExactly("error: 21 of 21 sticky keys were served by more than one backend "
          + "(see above)");
    }
  }

  @Test
  void distributionTakesTheStickyHeaderFromTheRoutersConfig() throws Exception {
    try (FakePredictionServer router = FakePredictionServer.routerWithRules();
         FakeAdmin admin = new FakeAdmin(CLUSTERS_50_50, config("x-canary-backend", "x-tenant"), 200)) {
      CliRun run = CliRun.of("distribution", "--target", router.target(), "-n", "40", "-c", "1", "--sticky-keys", "4",
          "--admin", admin.address());

      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(run.out()).contains("Sticky header x-tenant (router admin /config)")
          .contains("Sticky keys: 4 keys in x-tenant, 10 calls each: every key stayed on one backend");
    }
  }

  @Test
  void distributionRefusesStickyKeysWhenTheRouterHasNoStickyHeader() throws Exception {
    try (FakePredictionServer router = FakePredictionServer.routerWithRules();
         FakeAdmin admin = new FakeAdmin(CLUSTERS_50_50, config("x-canary-backend", ""), 200)) {
      CliRun run = CliRun.of("distribution", "--target", router.target(), "-n", "40", "--sticky-keys", "4",
          "--admin", admin.address());

      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.errLines()).containsExactly("error: the router (admin " + admin.address() + ") does not route "
          + "by a sticky key: its routing.sticky-header is off; set it in canary.conf (e.g. sticky-header = "
          + "\"x-user-id\"), or pass --sticky-header to send the keys anyway");
      assertThat(run.out()).doesNotContain("Sent");

      CliRun anyway = CliRun.of("distribution", "--target", router.target(), "-n", "40", "--sticky-keys", "4",
          "--admin", admin.address(), "--sticky-header", "x-user-id");
      assertThat(anyway.exitCode()).as(anyway.err()).isZero();
      assertThat(anyway.out()).contains("Sticky header x-user-id (--sticky-header)");
    }
  }

  @Test
  void distributionFallsBackToXUserIdWhenTheAdminDoesNotAnswer() throws Exception {
    try (FakePredictionServer router = FakePredictionServer.routerWithRules()) {
      String deadAdmin = FreePort.address();
      CliRun run = CliRun.of("distribution", "--target", router.target(), "-n", "20", "--sticky-keys", "2",
          "--admin", deadAdmin, "--expect", "v1=1,v2=1");

      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(run.out()).contains("Sticky header x-user-id (default; router admin at " + deadAdmin
          + " did not answer (connection refused))");
    }
  }

  @Test
  void stickyKeysMustBeBetweenOneAndTheNumberOfCalls() throws Exception {
    for (String keys : new String[] {"0", "101"}) {
      CliRun run = CliRun.of("distribution", "--target", "127.0.0.1:1", "-n", "100", "--sticky-keys", keys, "--no-admin");
      assertThat(run.exitCode()).as(keys).isEqualTo(2);
      assertThat(run.err()).contains("--sticky-keys " + keys + ": expected 1 to -n (100) keys, so that every key is sent");
    }
  }
}
