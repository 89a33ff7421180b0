package dev.siskin.router.rollout.judge;

/**
 * What a step exposes the canary to, and so which gates judge it: the call gates need the canary to serve
 * weight-routed calls, the predictions gate needs shadowing.
 *
 * @param canaryServes the canary has a routing share in this step
 * @param shadowing    calls are copied to the canary and its answers compared in this step
 */
public record StepScope(boolean canaryServes, boolean shadowing) {
  /** The shadow step: the canary serves nothing, every answer it gives is compared. */
  public static final StepScope SHADOW = new StepScope(false, true);

  public StepScope {
    if (!canaryServes && !shadowing) {
      throw new IllegalArgumentException("a step where the canary neither serves nor is shadowed has nothing to judge");
    }
  }

  /** A step where the canary serves its share, with or without shadowing. */
  public static StepScope serving(boolean shadowing) {
    return new StepScope(true, shadowing);
  }
}
