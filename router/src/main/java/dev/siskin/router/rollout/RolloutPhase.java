package dev.siskin.router.rollout;

import java.util.Locale;

/** Where a rollout stands; {@link #label()} is how /canary, metrics and the state file spell it. */
public enum RolloutPhase {
  /** No rollout runs: the file's weights are in force (never started, disabled, or ended by an operator). */
  DISABLED,
  /** The judge decides every second: advance, hold or roll back. */
  RUNNING,
  /** The judge keeps counting; nothing is decided until resumed. */
  PAUSED,
  /** The canary reached the last step (100 %); it stays there. */
  PROMOTED,
  /** A gate rejected: the canary's share is 0 until an operator starts a new rollout. */
  ROLLED_BACK;

  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The phase spelled {@code label}. */
  public static RolloutPhase fromLabel(String label) {
    for (RolloutPhase p : values()) {
      if (p.label().equals(label)) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown rollout state: " + label);
  }

  /** Whether the rollout is over for good: only a new run-id starts another. */
  public boolean ended() {
    return this == PROMOTED || this == ROLLED_BACK;
  }

  /** Whether the rollout's weights are in force (not the file's). */
  public boolean setsWeights() {
    return this != DISABLED;
  }
}
