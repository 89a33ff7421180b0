package dev.siskin.router.rollout.judge;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What the judge is asked to tolerate, and how sure it must be. {@link #defaults()} holds the values
 * docs/rollout.md explains; {@link #builder()} changes some of them.
 *
 * @param alpha               total chance of a false rollback per rollout, in (0, 0.5]; split equally (Bonferroni)
 *                            over the {@link #gates() enabled gates}
 * @param failureCodes        status codes that count as a failed call (never OK; not empty)
 * @param errorMargin         tolerated ratio of the canary's failure rate to the baseline's, >= 1 (1: any excess)
 * @param maxFailureRate      absolute floor: the canary's failure rate limit, in (0, 1)
 * @param latencyQuantile     quantile of the baseline's early latencies that defines a slow call, in (0, 1)
 * @param baselineCalls       baseline calls of each step the quantile is taken over, at least 1 / (1 - quantile)
 * @param latencySlack        added to the quantile, >= 0 (keeps ties and tiny shifts from counting as slow)
 * @param slowMargin          tolerated ratio of the canary's slow-call rate to the baseline's, >= 1
 * @param latencyWarmupCalls  the canary's first calls of the rollout that the latency gate does not judge, >= 0:
 *                            a canary that just began to serve (cold JIT, fresh connections, caches) is slower for
 *                            a while, and that is no regression. Leaving out canary calls only makes the slow-call
 *                            test more conservative (it never drops a baseline call)
 * @param latencyCanaryCalls  canary calls the latency gate must have judged against the slow-call threshold in a step
 *                            before it passes, >= 1
 * @param p99Limit            absolute latency floor on the canary's p99, or null for none
 * @param comparePredictions  whether the rollout shadows (a shadow step, or shadowing during steps): the
 *                            predictions gate then takes its share of alpha
 * @param maxDisagreement     absolute floor: the shadow's disagreement rate limit, in (0, 1)
 * @param promotionConfidence confidence with which a floor must be shown inside its limit, in (0, 1)
 */
public record JudgeSettings(
    double alpha,
    Set<Status.Code> failureCodes,
    double errorMargin,
    double maxFailureRate,
    double latencyQuantile,
    int baselineCalls,
    Duration latencySlack,
    double slowMargin,
    int latencyWarmupCalls,
    int latencyCanaryCalls,
    Duration p99Limit,
    boolean comparePredictions,
    double maxDisagreement,
    double promotionConfidence) {

  /** The gRPC codes that Envoy maps to HTTP 5xx: the server's fault, not the caller's. */
  public static final Set<Status.Code> SERVER_FAILURES = Set.copyOf(EnumSet.of(Status.Code.UNKNOWN,
      Status.Code.INTERNAL, Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED, Status.Code.DATA_LOSS,
      Status.Code.UNIMPLEMENTED));

  /** The p99 floor's event is a call slower than the limit; a p99 within the limit allows 1 % of them. */
  public static final double P99_TAIL = 0.01;

  private static final int MAX_BASELINE_CALLS = 1_000_000;

  public JudgeSettings {
    if (!(alpha > 0 && alpha <= 0.5)) {
      throw new IllegalArgumentException("alpha " + alpha
          + " (expected: a false-rollback chance in (0, 0.5], e.g. 0.01)");
    }
    requireNonNull(failureCodes, "failureCodes");
    if (failureCodes.isEmpty() || failureCodes.contains(Status.Code.OK)) {
      throw new IllegalArgumentException("failureCodes " + failureCodes
          + " (expected: one or more gRPC codes other than OK, e.g. UNAVAILABLE, INTERNAL)");
    }
    failureCodes = Set.copyOf(failureCodes);
    requireRatio("errorMargin", errorMargin);
    requireRate("maxFailureRate", maxFailureRate);
    requireRate("latencyQuantile", latencyQuantile);
    int fewestCalls = (int) Math.ceil(1 / (1 - latencyQuantile) - 1e-9);
    if (baselineCalls < fewestCalls || baselineCalls > MAX_BASELINE_CALLS) {
      throw new IllegalArgumentException("baselineCalls " + baselineCalls + " (expected: " + fewestCalls + " to "
          + MAX_BASELINE_CALLS + "; a quantile of " + latencyQuantile + " needs at least " + fewestCalls + " calls)");
    }
    requireNonNull(latencySlack, "latencySlack");
    if (latencySlack.isNegative()) {
      throw new IllegalArgumentException("latencySlack " + latencySlack + " (expected: >= 0, e.g. 1 ms)");
    }
    requireRatio("slowMargin", slowMargin);
    if (latencyWarmupCalls < 0) {
      throw new IllegalArgumentException("latencyWarmupCalls " + latencyWarmupCalls + " (expected: >= 0, e.g. 100)");
    }
    if (latencyCanaryCalls < 1) {
      throw new IllegalArgumentException("latencyCanaryCalls " + latencyCanaryCalls + " (expected: >= 1, e.g. 300)");
    }
    if (p99Limit != null && (p99Limit.isNegative() || p99Limit.isZero())) {
      throw new IllegalArgumentException("p99Limit " + p99Limit + " (expected: a positive duration, or none)");
    }
    requireRate("maxDisagreement", maxDisagreement);
    requireRate("promotionConfidence", promotionConfidence);
  }

  /**
   * alpha 0.01; failures {@link #SERVER_FAILURES}; errorMargin 1.0; maxFailureRate 0.05; latencyQuantile 0.95 over
   * 500 baseline calls plus 5 ms; slowMargin 1.5; latencyWarmupCalls 100; latencyCanaryCalls 300; no p99 limit;
   * predictions compared with maxDisagreement 0.05; promotionConfidence 0.95.
   */
  public static JudgeSettings defaults() {
    return new JudgeSettings(0.01, SERVER_FAILURES, 1.0, 0.05, 0.95, 500, Duration.ofMillis(5), 1.5, 100, 300, null,
        true, 0.05, 0.95);
  }

  /** The gates that can reject in this rollout: each gets {@link #gateAlpha()}. */
  public List<Gate> gates() {
    List<Gate> gates = new ArrayList<>(List.of(Gate.ERRORS, Gate.ERROR_RATE, Gate.LATENCY));
    if (p99Limit != null) {
      gates.add(Gate.LATENCY_P99);
    }
    if (comparePredictions) {
      gates.add(Gate.PREDICTIONS);
    }
    return List.copyOf(gates);
  }

  /** Each enabled gate's share of alpha. */
  public double gateAlpha() {
    return alpha / gates().size();
  }

  /** Whether a call that ended with {@code code} failed. */
  public boolean isFailure(Status.Code code) {
    return failureCodes.contains(code);
  }

  /** A builder holding these settings, to change some of them. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** A builder starting from {@link #defaults()}. */
  public static Builder builder() {
    return defaults().toBuilder();
  }

  /** Changes some settings; {@link #build()} validates them all, as the constructor does. */
  public static final class Builder {
    private double alpha;
    private Set<Status.Code> failureCodes;
    private double errorMargin;
    private double maxFailureRate;
    private double latencyQuantile;
    private int baselineCalls;
    private Duration latencySlack;
    private double slowMargin;
    private int latencyWarmupCalls;
    private int latencyCanaryCalls;
    private Duration p99Limit;
    private boolean comparePredictions;
    private double maxDisagreement;
    private double promotionConfidence;

    private Builder(JudgeSettings from) {
      alpha = from.alpha;
      failureCodes = from.failureCodes;
      errorMargin = from.errorMargin;
      maxFailureRate = from.maxFailureRate;
      latencyQuantile = from.latencyQuantile;
      baselineCalls = from.baselineCalls;
      latencySlack = from.latencySlack;
      slowMargin = from.slowMargin;
      latencyWarmupCalls = from.latencyWarmupCalls;
      latencyCanaryCalls = from.latencyCanaryCalls;
      p99Limit = from.p99Limit;
      comparePredictions = from.comparePredictions;
      maxDisagreement = from.maxDisagreement;
      promotionConfidence = from.promotionConfidence;
    }

    public Builder alpha(double value) {
      alpha = value;
      return this;
    }

    public Builder failureCodes(Set<Status.Code> value) {
      failureCodes = value;
      return this;
    }

    public Builder errorMargin(double value) {
      errorMargin = value;
      return this;
    }

    public Builder maxFailureRate(double value) {
      maxFailureRate = value;
      return this;
    }

    public Builder latencyQuantile(double value) {
      latencyQuantile = value;
      return this;
    }

    public Builder baselineCalls(int value) {
      baselineCalls = value;
      return this;
    }

    public Builder latencySlack(Duration value) {
      latencySlack = value;
      return this;
    }

    public Builder slowMargin(double value) {
      slowMargin = value;
      return this;
    }

    public Builder latencyWarmupCalls(int value) {
      latencyWarmupCalls = value;
      return this;
    }

    public Builder latencyCanaryCalls(int value) {
      latencyCanaryCalls = value;
      return this;
    }

    /** null turns the p99 floor off. */
    public Builder p99Limit(Duration value) {
      p99Limit = value;
      return this;
    }

    public Builder comparePredictions(boolean value) {
      comparePredictions = value;
      return this;
    }

    public Builder maxDisagreement(double value) {
      maxDisagreement = value;
      return this;
    }

    public Builder promotionConfidence(double value) {
      promotionConfidence = value;
      return this;
    }

    /** @throws IllegalArgumentException naming the first setting out of range and what it expects */
    public JudgeSettings build() {
      return new JudgeSettings(alpha, failureCodes, errorMargin, maxFailureRate, latencyQuantile, baselineCalls,
          latencySlack, slowMargin, latencyWarmupCalls, latencyCanaryCalls, p99Limit, comparePredictions, maxDisagreement,
          promotionConfidence);
    }
  }

  private static void requireRatio(String name, double value) {
    if (!(value >= 1) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(name + " " + value + " (expected: a ratio >= 1, e.g. 1.0 or 1.5)");
    }
  }

  private static void requireRate(String name, double value) {
    if (!(value > 0 && value < 1)) {
      throw new IllegalArgumentException(name + " " + value + " (expected: between 0 and 1 exclusive, e.g. 0.05)");
    }
  }
}
