package dev.siskin.router.rollout.judge;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The judge of one step of a rollout: fed every finished weight-routed call the baseline or the canary served and
 * every shadow comparison, it says whether to roll back, whether the step is ready to advance, or why it holds.
 *
 * <p>Rollback evidence belongs to the rollout: {@link #next} starts the following step's judge with this one's
 * evidence, so the false-rollback chance is at most {@code alpha} over the whole rollout however many steps it has
 * and however often {@link #report} is read. What a step must show before it may advance (the failure-rate and p99
 * floors inside their limits, the latency gate's judged calls) starts afresh with each step, because a step's
 * load changes them; the disagreement floor is shown over the whole rollout, because it does not. Feed the current
 * step's judge only; a call routed in the previous step may still arrive, and is judged correctly because it
 * brings its own routing share.
 *
 * <p>Thread-safe: calls finish on many threads, and each observation takes one short lock (a few counter updates
 * and, at a failure or a slow call, a handful of logarithms). Freezing the slow-call threshold sorts the baseline's
 * first calls once per step. {@link #report} takes the same lock for a few microseconds.
 */
public final class StepJudge {
  private final JudgeSettings settings;
  private final StepScope scope;
  private final RolloutEvidence evidence;
  private final SlowThreshold threshold;
  private final long p99LimitNanos;

  private long canaryCalls;
  private long canaryFailures;
  private long baselineCalls;
  private long baselineFailures;
  private long canarySlow;
  private long baselineSlow;
  private long canaryJudgedSlow;
  private long canaryOverP99Limit;
  private long compared;
  private long disagreed;
  private long shadowFailed;

  private StepJudge(JudgeSettings settings, StepScope scope, RolloutEvidence evidence) {
    this.settings = settings;
    this.scope = requireNonNull(scope, "scope");
    this.evidence = evidence;
    this.threshold = new SlowThreshold(settings.baselineCalls(), settings.latencyQuantile(),
        settings.latencySlack().toNanos());
    this.p99LimitNanos = settings.p99Limit() == null ? -1 : settings.p99Limit().toNanos();
  }

  /** The judge of a rollout's first step, with no evidence yet. */
  public static StepJudge start(JudgeSettings settings, StepScope scope) {
    requireNonNull(settings, "settings");
    return new StepJudge(settings, scope, new RolloutEvidence(settings));
  }

  /** The judge of the next step: this rollout's evidence so far, fresh step counts and slow-call threshold. */
  public synchronized StepJudge next(StepScope nextScope) {
    return new StepJudge(settings, nextScope, evidence.copy());
  }

  public JudgeSettings settings() {
    return settings;
  }

  public StepScope scope() {
    return scope;
  }

  /** {@link #recordCall(Role, double, boolean, long)} with the failure read from the final status code. */
  public void recordCall(Role role, double canaryShare, Status.Code code, long latencyNanos) {
    recordCall(role, canaryShare, settings.isFailure(requireNonNull(code, "code")), latencyNanos);
  }

  /**
   * One finished weight-routed call that a backend served (not one the router answered itself: that says
   * nothing about either version). A retried call must be fed as the version it was drawn for with its first
   * attempt's outcome, or not at all: its last backend is the other version, and charging the retry's outcome
   * to it would turn the attribution round (docs/rollout.md, Design choices and limits).
   *
   * @param role         which version served it
   * @param canaryShare  the canary's routing share when the call was routed, in [0, 1] (for a baseline call too)
   * @param failed       whether it ended with one of the settings' failure codes
   * @param latencyNanos from arrival to close, >= 0
   */
  public synchronized void recordCall(Role role, double canaryShare, boolean failed, long latencyNanos) {
    requireNonNull(role, "role");
    if (!(canaryShare >= 0 && canaryShare <= 1)) {
      throw new IllegalArgumentException("canaryShare " + canaryShare + " (expected: 0.0 to 1.0)");
    }
    if (latencyNanos < 0) {
      throw new IllegalArgumentException("latencyNanos " + latencyNanos + " (expected: >= 0)");
    }
    boolean canary = role == Role.CANARY;
    if (canary) {
      canaryCalls++;
      canaryFailures += failed ? 1 : 0;
      evidence.errorRate.observe(failed);
      if (evidence.overP99 != null) {
        boolean over = latencyNanos > p99LimitNanos;
        canaryOverP99Limit += over ? 1 : 0;
        evidence.overP99.observe(over);
      }
    } else {
      baselineCalls++;
      baselineFailures += failed ? 1 : 0;
    }
    if (failed) {
      evidence.errors.observe(canaryShare, canary);
    }
    judgeLatency(canary, canaryShare, latencyNanos);
  }

  private void judgeLatency(boolean canary, double canaryShare, long latencyNanos) {
    if (canary && evidence.canaryCallsForLatency++ < settings.latencyWarmupCalls()) {
      return; // the canary's warm-up: not judged (a canary call left out only makes the test more conservative)
    }
    // A call is judged against the threshold taken from calls before it, then (a baseline call) joins the
    // window of later thresholds: the threshold never depends on the call it judges.
    if (threshold.open()) {
      canaryJudgedSlow += canary ? 1 : 0;
      if (latencyNanos > threshold.thresholdNanos()) {
        if (canary) {
          canarySlow++;
        } else {
          baselineSlow++;
        }
        evidence.slow.observe(canaryShare, canary);
      }
    }
    if (!canary) {
      threshold.offerBaseline(latencyNanos);
    }
  }

  /** One shadow comparison of a call the primary answered successfully. */
  public synchronized void recordComparison(Comparison comparison) {
    requireNonNull(comparison, "comparison");
    compared++;
    disagreed += comparison == Comparison.DISAGREED ? 1 : 0;
    shadowFailed += comparison == Comparison.SHADOW_FAILED ? 1 : 0;
    if (evidence.disagreement != null) {
      evidence.disagreement.observe(comparison.disagrees());
    }
  }

  /** The verdict now, with every gate's state and the step's counts. */
  public synchronized JudgeReport report() {
    List<GateReport> gates = List.of(errorsGate(), errorRateGate(), latencyGate(), p99Gate(), predictionsGate());
    List<Gate> rejectedBy = gates.stream().filter(g -> g.verdict() == GateVerdict.REJECT).map(GateReport::gate)
        .collect(Collectors.toList());
    StepCounts counts = new StepCounts(canaryCalls, canaryFailures, baselineCalls, baselineFailures,
        threshold.open() ? threshold.thresholdNanos() : null, canarySlow, baselineSlow, canaryJudgedSlow,
        canaryOverP99Limit, compared, disagreed, shadowFailed);
    if (!rejectedBy.isEmpty()) {
      return new JudgeReport(Verdict.ROLL_BACK, reasons(gates, GateVerdict.REJECT), rejectedBy, gates, counts);
    }
    if (gates.stream().anyMatch(g -> g.verdict() == GateVerdict.WAITING)) {
      return new JudgeReport(Verdict.HOLD, reasons(gates, GateVerdict.WAITING), rejectedBy, gates, counts);
    }
    if (gates.stream().noneMatch(g -> g.verdict() == GateVerdict.PASS)) {
      return new JudgeReport(Verdict.HOLD, "no gate judges this step: the canary serves no calls and its"
          + " predictions are not compared", rejectedBy, gates, counts);
    }
    return new JudgeReport(Verdict.READY, "every gate judging this step passes", rejectedBy, gates, counts);
  }

  private static String reasons(List<GateReport> gates, GateVerdict verdict) {
    return gates.stream().filter(g -> g.verdict() == verdict).map(g -> g.gate().label() + ": " + g.reason())
        .collect(Collectors.joining("; "));
  }

  private GateReport errorsGate() {
    AttributionTest test = evidence.errors;
    String facts = test.canaryEvents() + " of " + test.events() + " failures in this rollout from the canary, "
        + number(test.expectedCanaryEvents()) + " expected";
    String waiting = canaryCalls == 0 ? "waiting for traffic: no canary call yet in this step" : null;
    return relative(Gate.ERRORS, test, "canary failing " + moreOften(settings.errorMargin()), facts, waiting);
  }

  private GateReport latencyGate() {
    AttributionTest test = evidence.slow;
    String facts = test.canaryEvents() + " of " + test.events() + " slow calls in this rollout from the canary, "
        + number(test.expectedCanaryEvents()) + " expected";
    String waiting = null;
    if (evidence.canaryCallsForLatency < settings.latencyWarmupCalls()) {
      waiting = "waiting for traffic: the canary's first " + settings.latencyWarmupCalls()
          + " calls are its warm-up, not judged (" + evidence.canaryCallsForLatency + " so far)";
    } else if (!threshold.open()) {
      waiting = "waiting for traffic: the slow-call threshold needs " + threshold.needed() + " baseline calls ("
          + threshold.collected() + " so far)";
    } else if (canaryJudgedSlow < settings.latencyCanaryCalls()) {
      waiting = "waiting for traffic: " + canaryJudgedSlow + " of " + settings.latencyCanaryCalls()
          + " canary calls judged against the threshold " + millis(threshold.thresholdNanos());
    }
    return relative(Gate.LATENCY, test, "canary slower than the slow-call threshold "
        + moreOften(settings.slowMargin()), facts, waiting);
  }

  private static String moreOften(double margin) {
    return margin == 1 ? "more often than the baseline" : "more than " + number(margin) + "x as often as the baseline";
  }

  /** A relative gate: rejects on its e-value; passes when the step has the traffic it needs. */
  private GateReport relative(Gate gate, AttributionTest test, String rejection, String facts, String waiting) {
    double e = test.eValue();
    String evidenceText = "e-value " + number(e) + (test.rejected() ? " reached" : " below") + " bar "
        + number(test.bar()) + " (" + facts + ")";
    if (test.rejected()) {
      return new GateReport(gate, GateVerdict.REJECT, e, test.bar(), null, null, rejection + ": " + evidenceText);
    }
    if (!scope.canaryServes()) {
      return new GateReport(gate, GateVerdict.OFF, e, test.bar(), null, null,
          "the canary serves no calls in this step");
    }
    if (waiting != null) {
      return new GateReport(gate, GateVerdict.WAITING, e, test.bar(), null, null, waiting);
    }
    return new GateReport(gate, GateVerdict.PASS, e, test.bar(), null, null, evidenceText);
  }

  private GateReport errorRateGate() {
    return floor(Gate.ERROR_RATE, evidence.errorRate, scope.canaryServes(), "the canary serves no calls in this step",
        "failure rate", canaryFailures, canaryCalls, "canary calls failed in this step");
  }

  private GateReport p99Gate() {
    String over = "canary calls slower than the p99 limit " + millis(p99LimitNanos);
    return floor(Gate.LATENCY_P99, evidence.overP99, scope.canaryServes(),
        evidence.overP99 == null ? "no p99 limit set" : "the canary serves no calls in this step",
        "share of " + over, canaryOverP99Limit, canaryCalls, "canary calls over the limit in this step");
  }

  private GateReport predictionsGate() {
    // Unlike failures and latency, how often two models disagree depends on the inputs, not on the load a step
    // puts on them: the shadow step's comparisons keep counting in later steps, where few calls are shadowed.
    RateLimitTest test = evidence.disagreement;
    return floor(Gate.PREDICTIONS, test, scope.shadowing(),
        test == null ? "predictions are not compared in this rollout" : "no shadowing in this step",
        "disagreement rate", test == null ? 0 : test.events(), test == null ? 0 : test.trials(),
        "shadow answers disagreeing or failing in this rollout");
  }

  /** An absolute floor: rejects on its e-value; passes when the counts given show the rate inside the limit. */
  private GateReport floor(Gate gate, RateLimitTest test, boolean judgedHere, String offReason, String what,
      long events, long trials, String eventsText) {
    if (test == null) {
      return new GateReport(gate, GateVerdict.OFF, null, null, null, null, offReason);
    }
    double e = test.eValue();
    double limit = test.limit();
    if (test.rejected()) {
      return new GateReport(gate, GateVerdict.REJECT, e, test.bar(), null, limit, what + " above limit "
          + percent(limit) + ": e-value " + number(e) + " reached bar " + number(test.bar()) + " (" + test.events()
          + " of " + test.trials() + " in this rollout)");
    }
    if (!judgedHere) {
      return new GateReport(gate, GateVerdict.OFF, e, test.bar(), null, limit, offReason);
    }
    if (trials == 0) {
      return new GateReport(gate, GateVerdict.WAITING, e, test.bar(), null, limit,
          "waiting for traffic: nothing to judge yet");
    }
    double confidence = settings.promotionConfidence();
    double upper = RateBound.upper(events, trials, confidence);
    boolean inside = RateBound.provenBelow(events, trials, limit, confidence);
    String text = what + " upper bound " + percent(upper) + (inside ? " inside" : " above") + " limit "
        + percent(limit) + " (" + events + " of " + trials + " " + eventsText + ")";
    return new GateReport(gate, inside ? GateVerdict.PASS : GateVerdict.WAITING, e, test.bar(), upper, limit, text);
  }

  /** Two significant digits, plain below a million: 400, 3.2, 0.051, 1.2e+07. */
  static String number(double x) {
    if (Double.isInfinite(x) || Double.isNaN(x)) {
      return String.valueOf(x);
    }
    if (x >= 1e6) {
      return String.format(Locale.ROOT, "%.1e", x);
    }
    if (x == 0) {
      return "0";
    }
    return new BigDecimal(x).round(new MathContext(2)).stripTrailingZeros().toPlainString();
  }

  static String percent(double rate) {
    return number(100 * rate) + " %";
  }

  private static String millis(long nanos) {
    return nanos < 0 ? "(not set)" : number(nanos / 1e6) + " ms";
  }
}
