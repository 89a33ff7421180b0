package dev.siskin.client.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.siskin.client.AdminFixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdminClientParseTest {
  @Test
  void readsNamesAndWeightsIgnoringOtherFields() throws AdminException {
    ClusterView view = AdminClient.parseClusters("""
        {"generation":3,"backends":[
          {"name":"v1","target":"127.0.0.1:50052","weight":90,"share":0.9,"inFlight":0,"callsTotal":123,
           "callsByStatus":{"OK":120,"UNAVAILABLE":3}},
          {"name":"v2","target":"127.0.0.1:50053","weight":10,"share":0.1}]}
        """);
    assertThat(view.generation()).isEqualTo(3);
    assertThat(view.weights().weights()).containsExactly(Map.entry("v1", 90.0), Map.entry("v2", 10.0));
    assertThat(view.weights().source()).isEqualTo("router admin /clusters");
  }

  @Test
  void generationIsOptional() throws AdminException {
    assertThat(AdminClient.parseClusters("{\"backends\":[{\"name\":\"a\",\"weight\":1}]}").generation()).isEqualTo(-1);
  }

  @Test
  void unusableAnswersAreReportedNotGuessed() {
    assertThatThrownBy(() -> AdminClient.parseClusters("<html>")).hasMessageStartingWith("router admin /clusters is not JSON");
    assertThatThrownBy(() -> AdminClient.parseClusters("{\"backends\":[]}"))
        .hasMessage("router admin /clusters has no \"backends\" array");
    assertThatThrownBy(() -> AdminClient.parseClusters("{\"backends\":[{\"name\":\"v1\",\"weight\":\"90\"}]}"))
        .hasMessageContaining("without text \"name\" and numeric \"weight\"");
    assertThatThrownBy(() -> AdminClient.parseClusters("{\"backends\":[{\"name\":\"v1\",\"weight\":0}]}"))
        .hasMessage("router admin /clusters: all weights are 0 (expected: at least one > 0)");
  }

  @Test
  void readsTheConfigInForceAndTheLastReloadAttempt() throws AdminException {
    RouterConfig config = AdminClient.parseConfig(AdminFixtures.configRejected());
    assertThat(config.generation()).isEqualTo(1);
    assertThat(config.appliedAt()).isEqualTo("2026-12-01T17:21:37.399414770Z");
    assertThat(config.source()).isEqualTo("/etc/siskin/canary.conf");
    assertThat(config.backends()).containsExactly(new RouterConfig.Backend("v1", "127.0.0.1:41873", 50),
        new RouterConfig.Backend("v2", "127.0.0.1:41874", 50));
    assertThat(config.lastAttempt()).isEqualTo(new RouterConfig.ReloadAttempt("2026-12-01T17:21:46.418769151Z", false,
        "/etc/siskin/canary.conf:7: backends.v2.max-in-flight: -3 (expected: an integer >= 0; 0 = no limit)"));

    assertThat(AdminClient.parseConfig(AdminFixtures.configOk()).lastAttempt())
        .isEqualTo(new RouterConfig.ReloadAttempt("2026-12-01T17:21:46.418769151Z", true, null));
  }

  @Test
  void readsTheRoutingRulesInForceAndNoneFromARouterWithout() throws AdminException {
    assertThat(AdminClient.parseConfig(AdminFixtures.configWithRouting()).routing())
        .isEqualTo(new RouterConfig.Routing("x-canary-backend", "x-user-id"));
    assertThat(AdminClient.parseConfig(AdminFixtures.configRejected()).routing()).isNull();
  }

  @Test
  void readsHealthAndFinishedCallsPerWindow() throws AdminException {
    assertThat(AdminClient.parseActivity(AdminFixtures.clusters())).containsExactly(
        new BackendActivity("v1", true, "healthy", 500, 3500),
        new BackendActivity("v2", true, "unhealthy", 500, 1500));
  }

  @Test
  void aBackendNoLongerConfiguredHasNoHealth() throws AdminException {
    List<BackendActivity> activity = AdminClient.parseActivity("""
        {"backends":[{"name":"-","configured":false,"target":null,"addresses":[],"weight":0,"share":0.0,
          "inFlight":0,"callsTotal":2,"callsByStatus":{"UNAVAILABLE":2},
          "latencyMs":{"lastMinute":{"calls":0,"p50":null},"sinceStart":{"calls":2,"p50":0.1}}}]}
        """);
    assertThat(activity).containsExactly(new BackendActivity("-", false, null, 0, 2));
  }

  @Test
  void configAndActivityWithoutTheirFieldsAreReportedNotGuessed() {
    assertThatThrownBy(() -> AdminClient.parseConfig("{\"backends\":[{\"name\":\"v1\",\"weight\":1}]}"))
        .hasMessage("router admin /config has no boolean \"lastAttempt.ok\"");
    assertThatThrownBy(() -> AdminClient.parseConfig("[]")).hasMessage("router admin /config is not a JSON object");
    assertThatThrownBy(() -> AdminClient.parseActivity("{\"backends\":[{\"name\":\"v1\",\"callsTotal\":3}]}"))
        .hasMessageStartingWith("router admin /clusters: backend entry without text \"name\", integer \"callsTotal\"");
  }

  @Test
  void readsTheShadowAgreementOfARealCanaryAnswer() throws AdminException {
    ShadowAgreement shadow = AdminClient.parseShadow(AdminFixtures.canary());

    assertThat(shadow.backend()).isEqualTo("v2");
    assertThat(shadow.compared()).isEqualTo(135);
    assertThat(shadow.agreed()).isEqualTo(98);
    assertThat(shadow.lower95()).isBetween(0.645, 0.646);
    assertThat(shadow.flips()).as("only off-diagonal cells, most frequent first").hasSize(6)
        .first().isEqualTo(new ShadowAgreement.Flip("virginica", "setosa", 9));
    assertThat(dev.siskin.client.status.StatusReport.agreement(shadow)).isEqualTo(
        "v2 gets copies: 98 of 135 compared Predict answers agree (72.6 %, 95 % interval 64.5-79.4 %); "
            + "most frequent flip virginica -> setosa (9); 0 status mismatches");
  }

  @Test
  void aCanaryAnswerWithoutCountsIsReportedNotGuessed() {
    assertThatThrownBy(() -> AdminClient.parseShadow("{\"shadow\":{}}"))
        .hasMessageStartingWith("router admin /canary: no integer \"shadow.compared\"");
  }

  @Test
  void readsTheRolloutsWeightsBesideTheFilesAndNoneFromARouterWithout() throws AdminException {
    RouterConfig config = AdminClient.parseConfig(AdminFixtures.configRolloutRunning());
    assertThat(config.rollout()).isEqualTo(new RouterConfig.Rollout("running", true));
    assertThat(config.backends()).extracting(RouterConfig.Backend::weight, RouterConfig.Backend::weightInFile)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(90L, 100L), org.assertj.core.groups.Tuple.tuple(10L, 0L));

    RouterConfig older = AdminClient.parseConfig(AdminFixtures.configRejected());
    assertThat(older.rollout()).isNull();
    assertThat(older.backends()).allSatisfy(b -> assertThat(b.fileWeight()).isNull());
  }

  @Test
  void readsTheRolloutOfCanaryWithItsGatesAndLastDecision() throws AdminException {
    RolloutStatus r = AdminClient.parseCanary(AdminFixtures.canaryRolledBack()).rollout();

    assertThat(r.state()).isEqualTo("rolled-back");
    assertThat(r.steps()).containsExactly("10", "50", "90", "100");
    assertThat(r.canaryPercent()).isZero();
    assertThat(r.minCalls()).isEqualTo(100);
    assertThat(r.judge().canaryCalls()).isEqualTo(54);
    assertThat(r.judge().gates()).extracting(RolloutStatus.Gate::gate)
        .containsExactly("errors", "error-rate", "latency", "latency-p99", "predictions");
    assertThat(r.judge().gates().get(3).eValue()).isNull();
    assertThat(r.lastDecision().kind()).isEqualTo("roll-back");
    assertThat(r.lastDecision().at()).isEqualTo("2026-12-01T20:31:15.171927634Z");
  }

  @Test
  void theRolloutIsReadLenientlyAndIsAbsentFromARouterWithout() throws AdminException {
    assertThat(AdminClient.parseCanary("{}").rollout()).isNull();
    assertThat(AdminClient.parseCanary("{}").shadow()).isNull();
    assertThat(AdminClient.parseCanary("{\"rollout\":{\"state\":7}}").rollout()).isNull();

    RolloutStatus bare = AdminClient.parseCanary("{\"rollout\":{\"state\":\"running\",\"judge\":{}}}").rollout();
    assertThat(bare.state()).isEqualTo("running");
    assertThat(bare.steps()).isEmpty();
    assertThat(bare.canaryPercent()).isNull();
    assertThat(bare.judge().gates()).isEmpty();
    assertThat(bare.lastDecision()).isNull();
    assertThat(bare.peers()).as("a router from before shared rollouts").isEqualTo(RolloutStatus.Peers.ALONE);
  }

  @Test
  void readsWhichPartTheRouterPlaysInASharedRollout() throws AdminException {
    RolloutStatus judge = AdminClient.parseCanary("""
        {"rollout":{"state":"running","peers":{"role":"judge","judge":"10.0.0.4:9901","followers":[
          {"address":"10.0.0.5:9901","following":true},{"address":"10.0.0.6:9901","following":false}]}}}
        """).rollout();
    assertThat(judge.peers()).isEqualTo(new RolloutStatus.Peers("judge", "10.0.0.4:9901", "", 2, 1));
    RolloutStatus follower = AdminClient.parseCanary("""
        {"rollout":{"state":"running","peers":{"role":"follower","judge":"10.0.0.4:9901",
          "judgeProblem":"no answer in time"}}}
        """).rollout();
    assertThat(follower.peers())
        .isEqualTo(new RolloutStatus.Peers("follower", "10.0.0.4:9901", "no answer in time", 0, 0));
  }
}
