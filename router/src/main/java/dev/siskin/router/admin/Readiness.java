package dev.siskin.router.admin;

/**
 * Whether the router takes traffic, for {@code GET /ready}: starting until the gRPC server listens and
 * the first config is applied, serving, then draining once shutdown begins (so a load balancer stops
 * sending before the listener closes). Thread-safe: one volatile field; transitions only go forward.
 */
public final class Readiness {
  /** The router's phases, in the order they happen. */
  public enum State { STARTING, SERVING, DRAINING }

  private volatile State state = State.STARTING;

  /** The gRPC server is listening with a config applied. */
  public void markServing() {
    advanceTo(State.SERVING);
  }

  /** Shutdown began: report not ready from now on. */
  public void markDraining() {
    advanceTo(State.DRAINING);
  }

  public State state() {
    return state;
  }

  public boolean isServing() {
    return state == State.SERVING;
  }

  private synchronized void advanceTo(State next) {
    if (next.compareTo(state) > 0) {
      state = next;
    }
  }
}
