package dev.siskin.router.rollout.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StepJudgeTest {
  private static final long MS = 1_000_000L;

  private static StepJudge serving() {
    return StepJudge.start(JudgeSettings.defaults().toBuilder().comparePredictions(false).build(),
        StepScope.serving(false));
  }

  /** Calls at a 10 % share: every tenth the canary's, all at {@code latencyMs} and none failing. */
  private static void cleanCalls(StepJudge judge, int calls, long latencyMs) {
    for (int i = 0; i < calls; i++) {
      judge.recordCall(i % 10 == 0 ? Role.CANARY : Role.BASELINE, 0.1, false, latencyMs * MS + i % 7);
    }
  }

  @Test
  void withoutTrafficItWaitsAndNeverRollsBack() {
    JudgeReport report = serving().report();
    assertThat(report.verdict()).isEqualTo(Verdict.HOLD);
    assertThat(report.reason()).contains("errors: waiting for traffic: no canary call yet in this step")
        .contains("latency: waiting for traffic: the canary's first 100 calls are its warm-up, not judged (0 so far)");
    assertThat(report.gate(Gate.LATENCY_P99).verdict()).isEqualTo(GateVerdict.OFF);
    assertThat(report.gate(Gate.PREDICTIONS).reason()).isEqualTo("predictions are not compared in this rollout");
    assertThat(report.rejectedBy()).isEmpty();
  }

  @Test
  void cleanTrafficBecomesReadyOnceEveryGateHasItsCalls() {
    StepJudge judge = serving();
    cleanCalls(judge, 555, 5);
    JudgeReport early = judge.report();
    // 500 baseline calls opened the threshold; the latency gate now needs 300 canary calls judged against it,
    // after the canary's first 100 (its warm-up).
    assertThat(early.counts().baselineCalls()).isEqualTo(499);
    assertThat(early.verdict()).isEqualTo(Verdict.HOLD);
    cleanCalls(judge, 4_000, 5);
    JudgeReport report = judge.report();
    assertThat(report.counts().slowThresholdNanos()).as("the 95th percentile plus the 5 ms slack")
        .isEqualTo(5 * MS + 6 + 5 * MS);
    assertThat(report.counts().canaryJudgedSlow()).isGreaterThanOrEqualTo(300);
    assertThat(report.verdict()).as(report.reason()).isEqualTo(Verdict.READY);
    GateReport floor = report.gate(Gate.ERROR_RATE);
    assertThat(floor.verdict()).isEqualTo(GateVerdict.PASS);
    assertThat(floor.upperBound()).isLessThan(0.05);
    assertThat(floor.reason()).startsWith("failure rate upper bound ").contains("inside limit 5 %");
  }

  @Test
  void fiveCanaryFailuresAtTenPercentRollBack() {
    StepJudge judge = serving();
    // Among 100 canary calls, so that the failure-rate floor (5 %) has no case: the relative gate decides.
    for (int i = 0; i < 100; i++) {
      judge.recordCall(Role.CANARY, 0.1, i % 25 == 10 ? Status.Code.UNAVAILABLE : Status.Code.OK, MS);
    }
    // INVALID_ARGUMENT is the caller's fault: not a failure by default.
    judge.recordCall(Role.CANARY, 0.1, Status.Code.INVALID_ARGUMENT, MS);
    assertThat(judge.report().verdict()).isEqualTo(Verdict.HOLD);
    judge.recordCall(Role.CANARY, 0.1, Status.Code.INTERNAL, MS);
    JudgeReport report = judge.report();
    assertThat(report.verdict()).isEqualTo(Verdict.ROLL_BACK);
    assertThat(report.rejectedBy()).containsExactly(Gate.ERRORS);
    assertThat(report.reason()).contains("errors: canary failing more often than the baseline: e-value 1400"
        + " reached bar 300 (5 of 5 failures in this rollout from the canary, 0.5 expected)");
    assertThat(report.counts().canaryFailures()).isEqualTo(5);
  }

  @Test
  void aFailureRateAboveTheLimitHoldsWithTheBoundInTheReason() {
    StepJudge judge = serving();
    // 8 of 100 canary calls fail at a 50 % share, and so do 8 of 100 baseline calls: no relative excess. The
    // failures are spread out: 8 in the first 8 calls would be evidence enough against 5 % (and the floor's
    // rejection stays).
    for (int i = 0; i < 100; i++) {
      judge.recordCall(Role.CANARY, 0.5, i % 12 == 5, MS);
      judge.recordCall(Role.BASELINE, 0.5, i % 12 == 5, MS);
    }
    GateReport floor = judge.report().gate(Gate.ERROR_RATE);
    assertThat(floor.verdict()).isEqualTo(GateVerdict.WAITING);
    assertThat(floor.reason()).startsWith("failure rate upper bound ").contains("above limit 5 % (8 of 100 canary"
        + " calls failed in this step)");
    assertThat(judge.report().gate(Gate.ERRORS).verdict()).isEqualTo(GateVerdict.PASS);
    assertThat(judge.report().verdict()).isEqualTo(Verdict.HOLD);
  }

  @Test
  void slowCanaryCallsRollBackOnceTheThresholdIsFrozen() {
    StepJudge judge = serving();
    cleanCalls(judge, 556, 5);
    assertThat(judge.report().counts().slowThresholdNanos()).isNotNull();
    // The canary's first 100 calls are its warm-up (56 of them went by in the clean calls): not judged.
    for (int i = 0; i < 1000 && judge.report().verdict() != Verdict.ROLL_BACK; i++) {
      judge.recordCall(i % 10 == 0 ? Role.CANARY : Role.BASELINE, 0.1, false, (i % 10 == 0 ? 50 : 5) * MS);
    }
    JudgeReport report = judge.report();
    assertThat(report.rejectedBy()).containsExactly(Gate.LATENCY);
    assertThat(report.counts().canarySlow()).isBetween(5L, 20L);
    assertThat(report.counts().baselineSlow()).isZero();
  }

  @Test
  void theNextStepKeepsTheEvidenceAndStartsItsCountsAfresh() {
    StepJudge first = serving();
    for (int i = 0; i < 100; i++) {
      first.recordCall(Role.CANARY, 0.1, i % 25 == 10, MS);
    }
    cleanCalls(first, 600, 5);
    StepJudge second = first.next(StepScope.serving(false));
    assertThat(second.report().counts().canaryCalls()).isZero();
    assertThat(second.report().counts().slowThresholdNanos()).isNull();
    assertThat(second.report().gate(Gate.ERRORS).eValue()).isEqualTo(first.report().gate(Gate.ERRORS).eValue());
    // One more canary failure at the next step's share reaches the bar: the evidence is the rollout's.
    second.recordCall(Role.CANARY, 0.5, true, MS);
    second.recordCall(Role.CANARY, 0.5, true, MS);
    assertThat(second.report().verdict()).isEqualTo(Verdict.ROLL_BACK);
    assertThat(first.report().verdict()).isNotEqualTo(Verdict.ROLL_BACK);
  }

  @Test
  void theShadowStepJudgesPredictionsOnly() {
    StepJudge judge = StepJudge.start(JudgeSettings.defaults(), StepScope.SHADOW);
    JudgeReport idle = judge.report();
    assertThat(idle.gate(Gate.ERRORS).verdict()).isEqualTo(GateVerdict.OFF);
    assertThat(idle.gate(Gate.LATENCY).verdict()).isEqualTo(GateVerdict.OFF);
    assertThat(idle.reason()).isEqualTo("predictions: waiting for traffic: nothing to judge yet");
    for (int i = 0; i < 150; i++) {
      judge.recordComparison(i == 0 ? Comparison.DISAGREED : Comparison.AGREED);
    }
    JudgeReport report = judge.report();
    assertThat(report.verdict()).as(report.reason()).isEqualTo(Verdict.READY);
    assertThat(report.gate(Gate.PREDICTIONS).reason())
        .contains("inside limit 5 % (1 of 150 shadow answers disagreeing or failing in this rollout)");
    assertThat(report.counts().compared()).isEqualTo(150);
    assertThat(report.counts().disagreed()).isEqualTo(1);
  }

  @Test
  void theShadowStepsComparisonsCarryIntoTheServingSteps() {
    StepJudge shadow = StepJudge.start(JudgeSettings.defaults(), StepScope.SHADOW);
    for (int i = 0; i < 150; i++) {
      shadow.recordComparison(Comparison.AGREED);
    }
    StepJudge serving = shadow.next(StepScope.serving(true));
    GateReport predictions = serving.report().gate(Gate.PREDICTIONS);
    assertThat(predictions.verdict()).isEqualTo(GateVerdict.PASS);
    assertThat(predictions.reason()).contains("(0 of 150 shadow answers disagreeing or failing in this rollout)");
    assertThat(serving.report().counts().compared()).isZero();
  }

  @Test
  void failingShadowAnswersCountAsDisagreement() {
    StepJudge judge = StepJudge.start(JudgeSettings.defaults(), StepScope.SHADOW);
    for (int i = 0; i < 40 && judge.report().verdict() != Verdict.ROLL_BACK; i++) {
      judge.recordComparison(i % 2 == 0 ? Comparison.SHADOW_FAILED : Comparison.AGREED);
    }
    JudgeReport report = judge.report();
    assertThat(report.rejectedBy()).containsExactly(Gate.PREDICTIONS);
    assertThat(report.counts().shadowFailed()).isGreaterThan(0);
    assertThat(report.reason()).startsWith("predictions: disagreement rate above limit 5 %");
  }

  @Test
  void theP99FloorCountsCanaryCallsOverTheLimit() {
    JudgeSettings settings = JudgeSettings.defaults().toBuilder().comparePredictions(false)
        .p99Limit(Duration.ofMillis(20)).build();
    StepJudge judge = StepJudge.start(settings, StepScope.serving(false));
    for (int i = 0; i < 30 && judge.report().verdict() != Verdict.ROLL_BACK; i++) {
      judge.recordCall(Role.CANARY, 0.1, false, (i % 3 == 0 ? 25 : 10) * MS);
    }
    JudgeReport report = judge.report();
    assertThat(report.rejectedBy()).containsExactly(Gate.LATENCY_P99);
    assertThat(report.counts().canaryOverP99Limit()).isGreaterThan(0);
    assertThat(report.gate(Gate.LATENCY_P99).limit()).isEqualTo(0.01);
  }

  @Test
  void countsEveryCallFromManyThreads() throws Exception {
    StepJudge judge = serving();
    int threads = 4;
    int perThread = 20_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread worker = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < perThread; i++) {
          judge.recordCall(i % 2 == 0 ? Role.CANARY : Role.BASELINE, 0.5, i % 100 == 0, MS + i % 1000);
          if (i % 1000 == 0) {
            judge.recordComparison(Comparison.AGREED);
            judge.report();
          }
        }
      });
      workers.add(worker);
      worker.start();
    }
    start.countDown();
    for (Thread worker : workers) {
      worker.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(worker.isAlive()).isFalse();
    }
    StepCounts counts = judge.report().counts();
    assertThat(counts.canaryCalls()).isEqualTo(threads * perThread / 2);
    assertThat(counts.baselineCalls()).isEqualTo(threads * perThread / 2);
    assertThat(counts.canaryFailures()).isEqualTo(threads * perThread / 100);
    assertThat(counts.baselineFailures()).isZero();
    assertThat(counts.compared()).isEqualTo(threads * perThread / 1000);
  }

  @Test
  void rejectsBadObservationsWithTheirValue() {
    StepJudge judge = serving();
    assertThatThrownBy(() -> judge.recordCall(Role.CANARY, -0.1, false, 1)).hasMessageContaining("canaryShare -0.1");
    assertThatThrownBy(() -> judge.recordCall(Role.CANARY, 0.1, false, -1)).hasMessageContaining("latencyNanos -1");
    assertThatThrownBy(() -> new StepScope(false, false)).hasMessageContaining("nothing to judge");
    assertThat(judge.report().counts().canaryCalls()).isZero();
  }
}
