package dev.siskin.router.rollout.peers;

import java.util.Locale;

/** A router's part in a rollout that several routers share. */
public enum PeerRole {
  /** {@code rollout.routers} is empty: this router judges its own calls. */
  ALONE,
  /** The lowest address of {@code rollout.routers}: judges every router's calls and decides. */
  JUDGE,
  /** Keeps its calls for the judge and follows the judge's step; holds while the judge cannot be reached. */
  FOLLOWER;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
