package dev.siskin.router.rollout.judge;

import static java.util.Objects.requireNonNull;

/**
 * One gate's state.
 *
 * @param gate       which gate
 * @param verdict    its verdict
 * @param eValue     its evidence against the canary, over the whole rollout so far (1 = none; capped at the
 *                   largest double); null for a gate this rollout does not enable
 * @param bar        the e-value at which it rejects: 1 / (its share of alpha); null for a gate not enabled
 * @param upperBound for a floor, the anytime-valid upper bound of the rate in this step at the promotion
 *                   confidence; null for the relative gates
 * @param limit      for a floor, the rate limit the bound must be inside; null for the relative gates
 * @param reason     the verdict in words, with the counts behind it
 */
public record GateReport(
    Gate gate, GateVerdict verdict, Double eValue, Double bar, Double upperBound, Double limit, String reason) {
  public GateReport {
    requireNonNull(gate, "gate");
    requireNonNull(verdict, "verdict");
    requireNonNull(reason, "reason");
    if (eValue != null) {
      eValue = Math.min(eValue, Double.MAX_VALUE);
    }
  }
}
