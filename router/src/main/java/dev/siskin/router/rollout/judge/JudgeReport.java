package dev.siskin.router.rollout.judge;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * An immutable snapshot of the judge's view of the current step.
 *
 * @param verdict    roll back, ready, or hold
 * @param reason     why, in one line: the rejecting gates' reasons, or what the step is waiting for
 * @param rejectedBy the gates that rejected (empty unless {@link Verdict#ROLL_BACK})
 * @param gates      every gate, in {@link Gate} order
 * @param counts     what this step's judge was fed
 */
public record JudgeReport(Verdict verdict, String reason, List<Gate> rejectedBy, List<GateReport> gates,
    StepCounts counts) {
  public JudgeReport {
    requireNonNull(verdict, "verdict");
    requireNonNull(reason, "reason");
    rejectedBy = List.copyOf(rejectedBy);
    gates = List.copyOf(gates);
    requireNonNull(counts, "counts");
  }

  /** The report of {@code gate}. */
  public GateReport gate(Gate gate) {
    return gates.stream().filter(g -> g.gate() == gate).findFirst().orElseThrow();
  }
}
