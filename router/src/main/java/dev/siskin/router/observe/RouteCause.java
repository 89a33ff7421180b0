package dev.siskin.router.observe;

import java.util.Locale;

/**
 * Why a call went to the backend it went to: the rule of the routing chain that decided (force header, then
 * sticky key, then weights). Later analysis needs it because only weight-routed calls were placed at random
 * with a known probability; calls a tester forced or a key pinned are chosen, not sampled.
 */
public enum RouteCause {
  /** Placed by the weights in force (the routing table's share of each backend). */
  WEIGHT,
  /** Named by the client in the force header ({@code routing.force-header}). */
  HEADER,
  /** Placed by the value of the sticky header ({@code routing.sticky-header}) through rendezvous hashing. */
  STICKY,
  /** A copy of a call sent to a shadow backend, whose answer the client never sees. Not produced yet. */
  SHADOW;

  /** The spelling in logs, JSON and metric labels: {@code weight}, {@code header}, {@code sticky}, {@code shadow}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
