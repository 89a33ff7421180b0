package dev.siskin.client.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.client.admin.RolloutStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutSectionTest {
  @Test
  void aRolloutWithFewFieldsIsShownWithDashesNotACrash() {
    RolloutStatus bare = new RolloutStatus("running", "", "", "", 0, "", List.of(), null, null, null, null, "",
        new RolloutStatus.Judge("", "", 0, 0, List.of()), null, RolloutStatus.Peers.ALONE);

    assertThat(RolloutSection.render(bare)).isEqualTo(String.join(System.lineSeparator(),
        "Rollout (router /canary): running",
        "  step -, canary share now -",
        "  time in step - of -; canary calls 0 of -",
        "  judge: ",
        "    gate  verdict  evidence vs bar  reason", ""));
  }

  @Test
  void aFollowerSaysWhomItFollowsAndThatItHoldsWhenTheJudgeIsAway() {
    RolloutStatus following = new RolloutStatus("running", "r1", "v1", "v2", 1, "50", List.of("10", "50", "100"), 50L,
        3.0, 60.0, 300L, "", null, null, new RolloutStatus.Peers("follower", "10.0.0.5:9901", "cannot connect", 0, 0));
    assertThat(RolloutSection.render(following)).contains(
        "  this router follows the judge at 10.0.0.5:9901 -- unreachable (cannot connect): holding its step");
    RolloutStatus judging = new RolloutStatus("running", "r1", "v1", "v2", 1, "50", List.of("10", "50", "100"), 50L,
        3.0, 60.0, 300L, "", null, null, new RolloutStatus.Peers("judge", "10.0.0.4:9901", "", 2, 1));
    assertThat(RolloutSection.render(judging)).contains("  this router judges for 2 other router(s), 1 following");
  }

  @Test
  void evidenceShowsTheEValueAgainstItsBarAndAFloorsBoundAgainstItsLimit() {
    assertThat(RolloutSection.evidence(new RolloutStatus.Gate("error-rate", "waiting", 1.0773, 299.99999999999994,
        0.2732889847829938, 0.05, ""))).isEqualTo("e-value 1.08 vs bar 300; upper bound 27.3 % vs limit 5 %");
    assertThat(RolloutSection.evidence(new RolloutStatus.Gate("predictions", "reject", 398975.078, 400.0, null, 0.05,
        ""))).isEqualTo("e-value 399000 vs bar 400");
    assertThat(RolloutSection.evidence(new RolloutStatus.Gate("latency-p99", "off", null, null, null, null, "")))
        .isEqualTo("-");
    assertThat(RolloutSection.significant(2.5e12)).isEqualTo("2.50e+12");
    assertThat(RolloutSection.significant(1.0)).isEqualTo("1");
    assertThat(RolloutSection.significant(3.02e-37)).isEqualTo("3.02e-37");
    assertThat(RolloutSection.significant(0.0867)).isEqualTo("0.0867");
  }
}
