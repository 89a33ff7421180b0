package dev.siskin.router.canary;

/**
 * Why a call selected for shadowing got no shadow copy. Each is counted in
 * {@link ShadowComparison#skipped(SkipReason)}; a copy that was sent and failed is not a skip but a shadow
 * status (see {@link ShadowSnapshot#statusPairs()}).
 */
public enum SkipReason {
  /** The shadow backend already had as many copies in flight as allowed. */
  IN_FLIGHT_LIMIT("in_flight_limit"),
  /** The primary's deadline left no time for a copy. */
  DEADLINE("deadline"),
  /** The shadow backend had no host to send to (not in the config, all unhealthy or ejected). */
  BACKEND_UNAVAILABLE("backend_unavailable");

  private final String label;

  SkipReason(String label) {
    this.label = label;
  }

  /** The reason's name in metrics and JSON, e.g. {@code in_flight_limit}. */
  public String label() {
    return label;
  }
}
