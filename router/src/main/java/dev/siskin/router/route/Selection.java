package dev.siskin.router.route;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.observe.RouteCause;

/**
 * What {@link Route#select} decided for one call (or one retry of it).
 *
 * @param backend the admitted backend for {@link Refusal#NONE} (release it when the call ends); the backend
 *                that refused for {@link Refusal#OVERLOADED}; null otherwise
 * @param refusal why no backend was admitted, or NONE
 * @param panic   true when the table in force routes in panic mode (no healthy backend) and the weights
 *                decided; false for a call the client forced, which health does not concern
 * @param cause   the rule that decided
 * @param share   {@code backend}'s share of the weights in force (0.0 when there is no backend)
 * @param reason  for {@link Refusal#UNKNOWN_BACKEND}: what the client sent and what it may send; else null
 */
public record Selection(Backend backend, Refusal refusal, boolean panic, RouteCause cause, double share,
    String reason) {
  /** Why a call was not admitted. */
  public enum Refusal {
    NONE,
    /** No routing table, or every pick was draining. */
    NO_BACKEND,
    /** The picked backend has its maximum of calls in flight. */
    OVERLOADED,
    /** The force header names no backend of the config in force: the client's mistake. */
    UNKNOWN_BACKEND
  }

  public Selection {
    requireNonNull(refusal, "refusal");
    requireNonNull(cause, "cause");
  }

  static Selection admitted(Backend backend, boolean panic, RouteCause cause, double share) {
    return new Selection(backend, Refusal.NONE, panic, cause, share, null);
  }
}
