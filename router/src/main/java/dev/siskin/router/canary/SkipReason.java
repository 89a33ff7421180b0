package dev.siskin.router.canary;

/**
 * Why a call selected for shadowing got no (complete) shadow copy to compare. Each is counted in
 * {@link ShadowComparison#skipped(SkipReason)}; a copy that was sent and failed is not a skip but a shadow
 * status (see {@link ShadowSnapshot#statusPairs()}).
 */
public enum SkipReason {
  /** The shadow backend already had as many copies in flight as allowed. */
  IN_FLIGHT_LIMIT("in_flight_limit"),
  /** The primary's deadline left no time for a copy. */
  DEADLINE("deadline"),
  /** The shadow backend had no host to send to (not in the config, all unhealthy or ejected). */
  BACKEND_UNAVAILABLE("backend_unavailable"),
  /** A retry moved the primary call to the shadow backend itself: there is nothing to compare. */
  PRIMARY_ON_SHADOW("primary_on_shadow"),
  /** The client cancelled the primary call, or its deadline passed, before it ended: its answer is void. */
  PRIMARY_CANCELLED("primary_cancelled"),
  /** The shadow backend could not keep up with a streaming call's messages; the copy was cancelled. */
  SHADOW_TOO_SLOW("shadow_too_slow"),
  /**
   * The request outgrew what a copy held until its primary answers may keep (shadow.send = after-primary): it
   * was dropped unsent.
   */
  REQUEST_TOO_LARGE("request_too_large"),
  /**
   * The primary answered before the client had sent all of its request (shadow.send = after-primary): the held
   * copy would be an incomplete request, so it was not sent.
   */
  REQUEST_UNFINISHED("request_unfinished");

  private final String label;

  SkipReason(String label) {
    this.label = label;
  }

  /** The reason's name in metrics and JSON, e.g. {@code in_flight_limit}. */
  public String label() {
    return label;
  }
}
