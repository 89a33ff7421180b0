package dev.siskin.router.rollout.judge;

/** Which side of the rollout served a call. */
public enum Role {
  /** The version serving before the rollout (v1). */
  BASELINE,
  /** The version being rolled out (v2). */
  CANARY
}
