package dev.siskin.router.route;

import dev.siskin.router.cluster.Backend;

/**
 * What {@link Route#select} decided for one call (or one retry of it).
 *
 * @param backend the admitted backend for {@link Refusal#NONE} (release it when the call ends); the backend
 *                that refused for {@link Refusal#OVERLOADED}; null for {@link Refusal#NO_BACKEND}
 * @param refusal why no backend was admitted, or NONE
 * @param panic   true when the table in force routes in panic mode (no healthy backend)
 */
public record Selection(Backend backend, Refusal refusal, boolean panic) {
  /** Why a call was not admitted. */
  public enum Refusal {
    NONE,
    /** No routing table, or every pick was draining. */
    NO_BACKEND,
    /** The picked backend has its maximum of calls in flight. */
    OVERLOADED
  }

  static Selection admitted(Backend backend, boolean panic) {
    return new Selection(backend, Refusal.NONE, panic);
  }
}
