package dev.siskin.router.route;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Publishes the routing table in force. Writers (the one thread applying config changes) swap in a whole new
 * table; readers (every call) get the current one without locking.
 *
 * <p>Thread-safe.
 */
public final class RoutingTableHolder {
  private final AtomicReference<RoutingTable> current = new AtomicReference<>();

  /** The table in force, or null before the first one was published. */
  public RoutingTable current() {
    return current.get();
  }

  /** Makes {@code next} the table in force and returns the one it replaced (null for the first). */
  public RoutingTable publish(RoutingTable next) {
    return current.getAndSet(next);
  }
}
