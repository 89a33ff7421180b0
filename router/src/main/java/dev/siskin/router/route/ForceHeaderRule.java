package dev.siskin.router.route;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.observe.RouteCause;
import io.grpc.Metadata;
import java.util.Collection;

/**
 * First rule: a request header ({@code routing.force-header}) that names a backend sends the call to that
 * backend, whatever its weight (also 0) and health -- a tester reaching v2 before it gets any share is the point.
 * An empty value counts as no header (a client that fills the header from an unset variable sends one); a name
 * that is no backend is refused, so that a typo is seen rather than silently routed by weight.
 */
final class ForceHeaderRule implements RouteRule {
  private final RoutingRuleStats stats;

  ForceHeaderRule(RoutingRuleStats stats) {
    this.stats = stats;
  }

  @Override
  public Choice choose(RoutingTable table, Metadata headers, Collection<Backend> tried) {
    String value = RouteRule.value(headers, table.rules().forceKey());
    if (value == null) {
      return null;
    }
    String name = value.strip();
    if (name.isEmpty()) {
      stats.forceEmpty();
      return null;
    }
    int index = table.indexOf(name);
    if (index < 0) {
      stats.forceUnknown();
      return new Choice(null, RouteCause.HEADER, name);
    }
    return Choice.of(table.backends().get(index), RouteCause.HEADER);
  }
}
