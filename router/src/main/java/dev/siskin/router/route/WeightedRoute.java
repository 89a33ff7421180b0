package dev.siskin.router.route;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.cluster.Backend;
import io.grpc.Metadata;

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
  public Backend choose(String fullMethod, Metadata headers) {
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      RoutingTable table = tables.current();
      if (table == null) {
        return null;
      }
      Backend backend = table.picker().pick();
      if (backend != null && backend.tryAcquire()) {
        return backend;
      }
    }
    return null;
  }
}
