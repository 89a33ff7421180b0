package dev.siskin.router.canary;

/** What one Predict pair showed, as {@link ShadowComparison#recordPredict} counted it. */
public enum PairResult {
  /** Both answered, the same class. */
  AGREED,
  /** Both answered, different classes. */
  DISAGREED,
  /** The primary answered OK, the shadow failed (any other status). */
  SHADOW_FAILED,
  /** Nothing to hold against the shadow: the primary failed, or an answer did not parse. */
  NOT_COMPARED
}
