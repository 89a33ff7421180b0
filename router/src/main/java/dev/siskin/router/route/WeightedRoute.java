package dev.siskin.router.route;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.cluster.Backend;
import io.grpc.Metadata;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Routes every call by the weights of the current {@link RoutingTable}.
 *
 * <p>Thread-safe and lock-free: the table comes from a {@link RoutingTableHolder}, is read once per attempt,
 * and the picker it holds is itself thread-safe.
 */
public final class WeightedRoute implements Route {
  /**
   * A pick can land on a backend that a concurrent reload has just started draining; the reload publishes
   * its new table before it drains, so a second read already sees the new table. More attempts only matter
   * when reloads follow each other within microseconds.
   */
  private static final int MAX_ATTEMPTS = 4;

  private final RoutingTableHolder tables;

  public WeightedRoute(RoutingTableHolder tables) {
    this.tables = requireNonNull(tables, "tables");
  }

  @Override
  public Selection select(String fullMethod, Metadata headers, Collection<Backend> tried) {
    boolean panic = false;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      RoutingTable table = tables.current();
      if (table == null) {
        break;
      }
      panic = table.panic();
      Backend backend = table.picker().pick();
      if (backend == null) {
        continue;
      }
      if (!tried.isEmpty() && tried.contains(backend)) {
        backend = untried(table, tried, backend);
      }
      switch (backend.admit()) {
        case ADMITTED:
          return Selection.admitted(backend, panic);
        case OVERLOADED:
          return new Selection(backend, Selection.Refusal.OVERLOADED, panic);
        default:
          break; // draining: the next read sees the table without it
      }
    }
    return new Selection(null, Selection.Refusal.NO_BACKEND, panic);
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
