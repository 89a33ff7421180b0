package dev.siskin.router.route;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.observe.RouteCause;
import io.grpc.Metadata;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Last rule: the table's picker by the weights in force. Decides every call the rules before it passed. */
final class WeightRule implements RouteRule {

  @Override
  public Choice choose(RoutingTable table, Metadata headers, Collection<Backend> tried) {
    Backend backend = table.picker().pick();
    if (backend != null && !tried.isEmpty() && tried.contains(backend)) {
      backend = untried(table, tried, backend);
    }
    return Choice.of(backend, RouteCause.WEIGHT);
  }

  /**
   * For a retry: a weighted random choice among the backends the table routes to that this call has not
   * tried yet; when every one of those has been tried, among the untried backends with a configured weight
   * > 0 whatever their health (this call's own panic mode); {@code fallback} only when there is none at all
   * (then the retry goes to a backend tried before).
   *
   * <p>Why an unhealthy backend before the one that just failed: the attempt's failure is fresh, first-hand
   * news about that backend (a reset or refused connection when it died), while the other's health verdict
   * may be a second old and wrong -- on a busy machine one health check over its timeout marks a working
   * backend unhealthy. Sending the retry back to the failed backend fails the call for sure when it died;
   * the untried one costs one attempt at worst, as in panic mode.
   */
  private static Backend untried(RoutingTable table, Collection<Backend> tried, Backend fallback) {
    Backend routable = weightedUntried(table, tried, true);
    if (routable != null) {
      return routable;
    }
    Backend any = weightedUntried(table, tried, false);
    return any != null ? any : fallback;
  }

  /** A weighted random untried backend (configured weights), routable ones only if asked; null when none. */
  private static Backend weightedUntried(RoutingTable table, Collection<Backend> tried, boolean routableOnly) {
    List<Backend> backends = table.backends();
    long total = 0;
    long[] weights = new long[backends.size()];
    for (int i = 0; i < weights.length; i++) {
      Backend b = backends.get(i);
      boolean eligible = !tried.contains(b) && (!routableOnly || table.panic() || b.health().routable());
      weights[i] = eligible ? table.weight(i) : 0;
      total += weights[i];
    }
    if (total == 0) {
      return null;
    }
    long r = ThreadLocalRandom.current().nextLong(total);
    for (int i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) {
        return backends.get(i);
      }
    }
    return null;
  }
}
