package dev.siskin.router.route;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the force-header values the routing chain could not use, so that a client sending them is visible
 * without reading every call. A call is counted once per routing attempt; the chain routes a call again only
 * when the backend it chose was being removed by a reload at that very moment. Thread-safe; counting is a
 * {@link LongAdder} increment.
 */
public final class RoutingRuleStats {
  private final LongAdder forceUnknown = new LongAdder();
  private final LongAdder forceEmpty = new LongAdder();

  void forceUnknown() {
    forceUnknown.increment();
  }

  void forceEmpty() {
    forceEmpty.increment();
  }

  /** Calls whose force header named no backend (each refused with INVALID_ARGUMENT). */
  public long forceUnknownTotal() {
    return forceUnknown.sum();
  }

  /** Calls whose force header was empty (each routed as if it had none). */
  public long forceEmptyTotal() {
    return forceEmpty.sum();
  }
}
