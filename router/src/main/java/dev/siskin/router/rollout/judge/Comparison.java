package dev.siskin.router.rollout.judge;

/** How one shadowed call's canary answer compared with the primary's (only pairs where the primary succeeded). */
public enum Comparison {
  /** Same prediction. */
  AGREED,
  /** Both answered, with different predictions. */
  DISAGREED,
  /** The shadow failed while the primary succeeded: had it served, the caller would have seen a failure. */
  SHADOW_FAILED;

  /** Whether it counts against the canary in the disagreement rate. */
  public boolean disagrees() {
    return this != AGREED;
  }
}
