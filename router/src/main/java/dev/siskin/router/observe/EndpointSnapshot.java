package dev.siskin.router.observe;

import static java.util.Objects.requireNonNull;

/**
 * One address of a backend (an Envoy host) as the backend's channel sees it, added up over its child channels,
 * for {@code /clusters} and {@code /metrics}. Immutable.
 *
 * @param address  {@code ip:port}
 * @param state    the connection's state after its health check: {@code READY} (takes calls), {@code CONNECTING}
 *                 (also while the first health answer is awaited), {@code TRANSIENT_FAILURE} (connect failed, or
 *                 the health service answers NOT_SERVING), {@code IDLE}; {@code DRAINING} once the address
 *                 left the DNS answer while calls still run on it
 * @param healthy  the address gets new calls ({@code READY})
 * @param inFlight calls running on it now
 * @param calls    calls (attempts) that ended on it since it appeared, health checks not counted
 * @param failed   those of them that ended with a status other than OK
 * @param removed  no longer in the answer: it gets no new calls and disappears when its last call ends
 */
public record EndpointSnapshot(String address, String state, boolean healthy, int inFlight, long calls, long failed,
    boolean removed) {
  public EndpointSnapshot {
    requireNonNull(address, "address");
    requireNonNull(state, "state");
  }
}
