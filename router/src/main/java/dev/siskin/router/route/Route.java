package dev.siskin.router.route;

import dev.siskin.router.cluster.Backend;
import io.grpc.Metadata;
import java.util.Collection;
import java.util.List;

/**
 * The per-call routing step (Envoy's route): decides which backend serves a call and why. It sees the method and
 * the request headers; the implementation, {@link RuleChainRoute}, applies the force header, the sticky key and
 * the weights in that order.
 *
 * <p>Implementations are called on transport threads for every call: thread-safe, non-blocking.
 */
public interface Route {

  /**
   * Chooses and admits a backend for one call, or for a retry of it. A header addressed to the router alone
   * (the force header of a call it forced) is removed from {@code headers}.
   *
   * @param tried backends that already failed this call: another one is preferred -- a routable one, else
   *     any with a configured weight > 0 -- and a tried one is chosen again only when there is no other
   * @return the admitted backend -- the caller must {@link Backend#release()} it exactly once when the
   *     call ends -- or why there is none
   */
  Selection select(String fullMethod, Metadata headers, Collection<Backend> tried);

  /**
   * Chooses and admits a backend for one call.
   *
   * @return a backend on which {@link Backend#tryAcquire()} has succeeded -- the caller must
   *     {@link Backend#release()} it exactly once when the call ends -- or null when none is available
   */
  default Backend choose(String fullMethod, Metadata headers) {
    Selection selection = select(fullMethod, headers, List.of());
    return selection.refusal() == Selection.Refusal.NONE ? selection.backend() : null;
  }
}
