package dev.siskin.router.rollout.judge;

/** The judge's overall verdict on the current step. */
public enum Verdict {
  /** A gate rejected: take the canary's weight away. */
  ROLL_BACK,
  /** Every gate judging this step passes: the step may advance once its time and minimum calls are met. */
  READY,
  /** Neither: keep the step as it is (not enough traffic, or a floor not yet shown inside its limit). */
  HOLD
}
