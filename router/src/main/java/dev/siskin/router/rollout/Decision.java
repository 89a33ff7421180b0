package dev.siskin.router.rollout;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;

/**
 * One thing the rollout did, with why and the evidence then: what {@code /canary} lists as history, the log line
 * says and the state file keeps.
 *
 * @param at       when
 * @param kind     {@code start}, {@code advance}, {@code promote}, {@code roll-back}, {@code pause}, {@code resume},
 *                 {@code resume-after-restart}, {@code end}; with several routers {@code follow} (a
 *                 follower took the judge's decision) and {@code take-over} (this router became the judge)
 * @param fromStep the step index before
 * @param toStep   the step index after
 * @param reason   in words
 * @param evidence each gate's statistic at that moment (empty for operator actions)
 */
public record Decision(Instant at, String kind, int fromStep, int toStep, String reason, List<GateEvidence> evidence) {
  public Decision {
    requireNonNull(at, "at");
    requireNonNull(kind, "kind");
    requireNonNull(reason, "reason");
    evidence = evidence == null ? List.of() : List.copyOf(evidence);
  }

  /**
   * One gate at the moment of a decision.
   *
   * @param gate       e.g. {@code errors}
   * @param verdict    e.g. {@code reject}
   * @param eValue     the evidence against the canary (null when the gate is off)
   * @param bar        the e-value that rejects (null when off)
   * @param upperBound a floor's upper confidence bound (null for relative gates)
   * @param limit      a floor's limit (null for relative gates)
   * @param reason     the gate's verdict in words
   */
  public record GateEvidence(String gate, String verdict, Double eValue, Double bar, Double upperBound, Double limit,
      String reason) {}
}
