package dev.siskin.router.route;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.observe.RouteCause;
import io.grpc.Metadata;
import java.util.Collection;

/**
 * Second rule: a call with a non-empty sticky header ({@code routing.sticky-header}) goes to the backend that
 * weighted rendezvous hashing ({@link Rendezvous}) gives its value under the weights in force. Those weights
 * leave out unhealthy and ejected backends, so a key whose backend is down goes to its next best backend and
 * comes back when the backend does; in panic mode they are the configured weights, so every key goes to the
 * backend it has when all are healthy. A retry goes to the key's next best backend among those not tried.
 */
final class StickyKeyRule implements RouteRule {

  @Override
  public Choice choose(RoutingTable table, Metadata headers, Collection<Backend> tried) {
    String value = RouteRule.value(headers, table.rules().stickyKey());
    if (value == null || value.isEmpty()) {
      return null;
    }
    long hash = Rendezvous.keyHash(table.rules().saltHash(), value);
    Rendezvous hrw = table.rendezvous();
    int index = tried.isEmpty() ? hrw.pick(hash, table.inForce(), null) : untried(table, hrw, hash, tried);
    return index < 0 ? null : Choice.of(table.backends().get(index), RouteCause.STICKY);
  }

  /**
   * For a retry, as the weights do it (see {@link WeightRule}): the key's best untried backend among those the
   * table routes to, else among those with a configured weight > 0, else its first backend again.
   */
  private static int untried(RoutingTable table, Rendezvous hrw, long hash, Collection<Backend> tried) {
    boolean[] skip = new boolean[table.backends().size()];
    for (int i = 0; i < skip.length; i++) {
      skip[i] = tried.contains(table.backends().get(i));
    }
    int index = hrw.pick(hash, table.inForce(), skip);
    if (index < 0) {
      index = hrw.pick(hash, table.configured(), skip);
    }
    return index >= 0 ? index : hrw.pick(hash, table.inForce(), null);
  }
}
