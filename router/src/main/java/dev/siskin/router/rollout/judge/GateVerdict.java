package dev.siskin.router.rollout.judge;

/** One gate's verdict. */
public enum GateVerdict {
  /** Its test crossed the bar during this rollout: roll back. */
  REJECT,
  /** Nothing against the canary, and its floor (if any) shown inside the limit in this step. */
  PASS,
  /** Not enough traffic yet to pass, or a floor not yet shown inside its limit; never a reason to roll back. */
  WAITING,
  /** Not judged in this step or this rollout (e.g. no p99 limit, no shadowing). */
  OFF
}
