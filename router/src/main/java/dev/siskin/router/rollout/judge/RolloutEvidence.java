package dev.siskin.router.rollout.judge;

/**
 * The rollback evidence of one rollout, carried from step to step so that the false-rollback budget is spent once
 * per rollout, not once per step: every test here stays valid when the canary's share, the load, or the slow-call
 * threshold change between events (each factor only needs the share and the threshold in force for its own call).
 */
final class RolloutEvidence {
  final AttributionTest errors;
  final RateLimitTest errorRate;
  final AttributionTest slow;
  /** null without a p99 limit. */
  final RateLimitTest overP99;
  /** null when the rollout compares no predictions. */
  final RateLimitTest disagreement;
  /** Canary calls seen by the latency gate in this rollout, its warm-up included. */
  long canaryCallsForLatency;

  RolloutEvidence(JudgeSettings settings) {
    double alpha = settings.gateAlpha();
    errors = new AttributionTest(settings.errorMargin(), alpha);
    errorRate = new RateLimitTest(settings.maxFailureRate(), alpha);
    slow = new AttributionTest(settings.slowMargin(), alpha);
    overP99 = settings.p99Limit() == null ? null : new RateLimitTest(JudgeSettings.P99_TAIL, alpha);
    disagreement = settings.comparePredictions() ? new RateLimitTest(settings.maxDisagreement(), alpha) : null;
  }

  private RolloutEvidence(RolloutEvidence other) {
    errors = other.errors.copy();
    errorRate = other.errorRate.copy();
    slow = other.slow.copy();
    overP99 = other.overP99 == null ? null : other.overP99.copy();
    disagreement = other.disagreement == null ? null : other.disagreement.copy();
    canaryCallsForLatency = other.canaryCallsForLatency;
  }

  RolloutEvidence copy() {
    return new RolloutEvidence(this);
  }
}
