package dev.siskin.router.route;

import dev.siskin.router.cluster.Backend;
import io.grpc.Metadata;

/**
 * The per-call routing step (Envoy's route): decides which backend serves a call. It sees the method and the
 * request headers so that header-based rules or sticky keys can be added later; today's implementation,
 * {@link WeightedRoute}, uses only the weights.
 *
 * <p>Implementations are called on transport threads for every call: thread-safe, non-blocking.
 */
public interface Route {

  /**
   * Chooses and admits a backend for one call.
   *
   * @return a backend on which {@link Backend#tryAcquire()} has succeeded -- the caller must
   *     {@link Backend#release()} it exactly once when the call ends -- or null when none is available
   */
  Backend choose(String fullMethod, Metadata headers);
}
