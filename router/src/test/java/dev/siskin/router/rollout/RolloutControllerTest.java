package dev.siskin.router.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.CanaryConfigParser;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.observe.RouteCause;
import dev.siskin.router.rollout.judge.Comparison;
import dev.siskin.router.testing.FakeScheduler;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rollout's state machine on a fake clock: start, advance through the steps on good evidence, roll back on
 * bad, hold without traffic, obey the operator (pause, resume, hand edits, disabling), and resume at the same step
 * after a restart from its state file.
 */
class RolloutControllerTest {
  private static final String PREDICT = "mlservice.v1.PredictionService/Predict";

  @TempDir
  Path dir;

  private final FakeScheduler scheduler = new FakeScheduler(Instant.parse("2026-12-01T10:00:00Z"));
  private final AtomicInteger reinstalls = new AtomicInteger();
  private final List<String> ended = new ArrayList<>();
  private CanaryConfig file;

  private Path config() {
    return dir.resolve("canary.conf");
  }

  private RolloutController controller() {
    return new RolloutController(config(), scheduler.clock(), scheduler, reinstalls::incrementAndGet,
        (backend, status) -> {
          ended.add(backend + " " + status.getCode());
          return 1;
        });
  }

  /** Writes canary.conf with these rollout keys and the given file weights, parses it, applies it. */
  private CanaryConfig apply(RolloutController c, String rolloutKeys, int v1, int v2) throws Exception {
    Files.writeString(config(), """
        backends {
          v1 { target = "127.0.0.1:1", weight = %d }
          v2 { target = "127.0.0.1:2", weight = %d }
        }
        rollout { steps = [shadow, 10, 50, 100], step-time = 10s, min-calls = 50, %s }
        """.formatted(v1, v2, rolloutKeys));
    CanaryConfig next = CanaryConfigParser.parse(config(), Map.of(), scheduler.clock());
    CanaryConfig inForce = c.inForce(file, next);
    file = next;
    return inForce;
  }

  private static int weight(CanaryConfig config, String name) {
    return config.backends().stream().filter(b -> b.name().equals(name)).mapToInt(BackendSpec::weight)
        .findFirst().orElseThrow();
  }

  private void served(RolloutController c, String backend, double share, Status.Code code, int n) {
    for (int i = 0; i < n; i++) {
      c.onCallFinished(new CallOutcome(backend, PREDICT, code, false, scheduler.clock().instant(), 2_000_000L, 0, 0,
          "-", 1, RouteCause.WEIGHT, share));
    }
  }

  /** {@code n} healthy calls split by {@code share} as the weights would, canary and baseline interleaved. */
  private void traffic(RolloutController c, double share, int n) {
    double canaryDue = 0;
    for (int i = 0; i < n; i++) {
      canaryDue += share;
      if (canaryDue >= 1) {
        canaryDue -= 1;
        served(c, "v2", share, Status.Code.OK, 1);
      } else {
        served(c, "v1", 1 - share, Status.Code.OK, 1);
      }
    }
  }

  /** Lets a step's time pass, one tick per second as the router does. */
  private void seconds(int n) {
    scheduler.advance(Duration.ofSeconds(n));
  }

  @Test
  void aGoodCanaryGoesThroughEveryStepToPromotion() throws Exception {
    RolloutController c = controller();
    c.start();
    CanaryConfig inForce = apply(c, "enabled = true, run-id = r1", 100, 0);
    assertThat(c.view().phase()).isEqualTo(RolloutPhase.RUNNING);
    assertThat(weight(inForce, "v2")).as("shadow step: the canary serves nothing").isZero();
    assertThat(inForce.shadow().backend()).as("shadow step: calls are copied to the canary").isEqualTo("v2");

    for (int i = 0; i < 200; i++) {
      c.onComparison("v1", "v2", Comparison.AGREED);
    }
    seconds(5);
    assertThat(c.view().step()).as("step time not over").isZero();
    assertThat(c.view().waiting()).contains("step time");
    seconds(6);
    assertThat(c.view().step()).as(c.view().waiting()).isEqualTo(1);
    assertThat(reinstalls.get()).isEqualTo(1);

    for (int step = 1; step <= 2; step++) {
      double share = step == 1 ? 0.1 : 0.5;
      traffic(c, share, 4000);
      seconds(11);
    }
    RolloutView view = c.view();
    assertThat(view.phase()).isEqualTo(RolloutPhase.PROMOTED);
    assertThat(view.canaryPercent()).isEqualTo(100);
    assertThat(view.state().history()).extracting(Decision::kind)
        .containsExactly("start", "advance", "advance", "promote");
    assertThat(new RolloutStateFile(RolloutStateFile.besideConfig(config())).read()).get()
        .extracting(RolloutState::phase).isEqualTo(RolloutPhase.PROMOTED);
  }

  @Test
  void aFailingCanaryIsRolledBackAtOnceAndItsCallsAreEndedAfterTheGrace() throws Exception {
    RolloutController c = controller();
    c.start();
    apply(c, "enabled = true, run-id = r1, steps = [10, 100], stream-grace = 5s", 100, 0);
    served(c, "v1", 0.9, Status.Code.OK, 900);
    served(c, "v2", 0.1, Status.Code.INTERNAL, 30);
    served(c, "v2", 0.1, Status.Code.OK, 70);
    seconds(1);
    RolloutView view = c.view();
    assertThat(view.phase()).isEqualTo(RolloutPhase.ROLLED_BACK);
    assertThat(view.canaryPercent()).isZero();
    Decision rollBack = view.state().lastDecision();
    assertThat(rollBack.kind()).isEqualTo("roll-back");
    assertThat(rollBack.evidence()).anySatisfy(g -> assertThat(g.verdict()).isEqualTo("reject"));
    assertThat(weight(c.inForce(file, file), "v2")).isZero();
    assertThat(view.waiting()).as("a rolled-back step waits for nothing").isEmpty();
    assertThat(view.report().verdict()).isEqualTo(dev.siskin.router.rollout.judge.Verdict.ROLL_BACK);
    assertThat(view.reportStep()).isZero();
    assertThat(ended).as("not before the grace").isEmpty();
    seconds(5);
    assertThat(ended).containsExactly("v2 UNAVAILABLE");

    // It stays rolled back, also with calls that look fine now.
    served(c, "v2", 0.1, Status.Code.OK, 1000);
    seconds(30);
    assertThat(c.view().phase()).isEqualTo(RolloutPhase.ROLLED_BACK);
    assertThat(c.view().timeInStep()).as("time in step stops when the rollout ends").isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void withoutTrafficItHoldsAndSaysSoNeverRollingBack() throws Exception {
    RolloutController c = controller();
    c.start();
    apply(c, "enabled = true, run-id = r1, steps = [10, 100]", 100, 0);
    seconds(600);
    RolloutView view = c.view();
    assertThat(view.phase()).isEqualTo(RolloutPhase.RUNNING);
    assertThat(view.step()).isZero();
    assertThat(view.waiting()).contains("waiting for traffic: 0 of 50 canary calls");
  }

  @Test
  void aRestartedRouterResumesAtTheSameStepWithFreshEvidence() throws Exception {
    RolloutController first = controller();
    first.start();
    apply(first, "enabled = true, run-id = r1, steps = [10, 50, 100]", 100, 0);
    traffic(first, 0.1, 2000);
    seconds(11);
    assertThat(first.view().step()).as(first.view().waiting()).isEqualTo(1);
    first.stop();

    file = null; // a new process reads the same file
    RolloutController second = controller();
    CanaryConfig inForce = apply(second, "enabled = true, run-id = r1, steps = [10, 50, 100]", 100, 0);
    RolloutView view = second.view();
    assertThat(view.phase()).isEqualTo(RolloutPhase.RUNNING);
    assertThat(view.step()).isEqualTo(1);
    assertThat(weight(inForce, "v2")).as("the step's weights from the first call on").isEqualTo(50);
    assertThat(view.state().lastDecision().kind()).isEqualTo("resume-after-restart");
    assertThat(view.report().counts().canaryCalls()).as("fresh evidence").isZero();

    // A new run-id is a new rollout from its first step.
    CanaryConfig again = apply(second, "enabled = true, run-id = r2, steps = [10, 50, 100]", 100, 0);
    assertThat(second.view().step()).isZero();
    assertThat(weight(again, "v2")).isEqualTo(10);
  }

  @Test
  void aHandEditOfTheWeightsEndsTheRolloutAndIsObeyed() throws Exception {
    RolloutController c = controller();
    c.start();
    apply(c, "enabled = true, run-id = r1, steps = [10, 100]", 100, 0);
    CanaryConfig inForce = apply(c, "enabled = true, run-id = r1, steps = [10, 100]", 50, 50);
    assertThat(c.view().phase()).isEqualTo(RolloutPhase.DISABLED);
    assertThat(c.view().state().lastDecision().reason()).contains("were edited");
    assertThat(weight(inForce, "v2")).isEqualTo(50);
    // It does not come back by itself on the next reload.
    assertThat(weight(apply(c, "enabled = true, run-id = r1, steps = [10, 100]", 50, 50), "v2")).isEqualTo(50);
    assertThat(c.view().phase()).isEqualTo(RolloutPhase.DISABLED);
  }

  @Test
  void disablingEndsItAndPausingHoldsEveryDecision() throws Exception {
    RolloutController c = controller();
    c.start();
    apply(c, "enabled = true, run-id = r1, steps = [10, 100], paused = true", 100, 0);
    assertThat(c.view().phase()).isEqualTo(RolloutPhase.PAUSED);
    served(c, "v2", 0.1, Status.Code.INTERNAL, 50);
    served(c, "v1", 0.9, Status.Code.OK, 450);
    seconds(20);
    assertThat(c.view().phase()).as("paused: no rollback either").isEqualTo(RolloutPhase.PAUSED);
    apply(c, "enabled = true, run-id = r1, steps = [10, 100], paused = false", 100, 0);
    seconds(1);
    assertThat(c.view().phase()).as("resumed: the evidence counted while paused decides").isEqualTo(
        RolloutPhase.ROLLED_BACK);

    CanaryConfig off = apply(c, "enabled = false, run-id = r1, steps = [10, 100]", 90, 10);
    assertThat(weight(off, "v2")).isEqualTo(10);
  }

  @Test
  void aDecisionWhoseWeightsCouldNotBePutInForceIsTriedAgainAtTheNextTick() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    RolloutController c = new RolloutController(config(), scheduler.clock(), scheduler, () -> {
      if (attempts.incrementAndGet() == 1) {
        throw new IllegalStateException("a channel could not be opened");
      }
    }, (backend, status) -> 0);
    c.start();
    apply(c, "enabled = true, run-id = r1, steps = [10, 100]", 100, 0);
    served(c, "v2", 0.1, Status.Code.INTERNAL, 30);
    seconds(1);
    assertThat(c.view().phase()).isEqualTo(RolloutPhase.ROLLED_BACK);
    assertThat(attempts.get()).isEqualTo(1);
    seconds(1);
    assertThat(attempts.get()).as("tried again").isEqualTo(2);
    seconds(5);
    assertThat(attempts.get()).as("once in force, not again").isEqualTo(2);
  }

  @Test
  void anUnreadableStateFileNeverStartsTheRunOver() throws Exception {
    Files.writeString(RolloutStateFile.besideConfig(config()), "{ not json");
    RolloutController c = controller();
    CanaryConfig inForce = apply(c, "enabled = true, run-id = r1, steps = [10, 100]", 100, 0);
    assertThat(c.view().phase()).isEqualTo(RolloutPhase.PAUSED);
    assertThat(c.view().state().lastDecision().reason()).contains("cannot read the state file");
    assertThat(weight(inForce, "v2")).isEqualTo(10);
  }
}
