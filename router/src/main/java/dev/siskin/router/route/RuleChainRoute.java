package dev.siskin.router.route;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.observe.RouteCause;
import io.grpc.Metadata;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Routes every call through the rules of the current {@link RoutingTable}, in ingress-nginx's order of
 * precedence: the force header, then the sticky key, then the weights. The first rule that decides wins; the
 * weights always decide. Then the chosen backend is admitted (its in-flight cap) and the selection records which
 * rule chose it and the backend's share of the weights in force.
 *
 * <p>The force header is addressed to the router: once a call is forced, it is removed from the headers that
 * go on to the backend, as Envoy does with its own routing headers -- a backend that is itself a router must not
 * read the name as one of its own backends. A forced call is admitted on its backend whatever the backend's
 * health (the client asked for it) and is not retried elsewhere (see {@link dev.siskin.router.proxy}).
 *
 * <p>Thread-safe and lock-free: the table comes from a {@link RoutingTableHolder} and is read once per
 * attempt; the rules are stateless apart from {@link RoutingRuleStats}.
 */
public final class RuleChainRoute implements Route {
  /**
   * A pick can land on a backend that a concurrent reload has just started draining; the reload publishes
   * its new table before it drains, so a second read already sees the new table. More attempts only matter
   * when reloads follow each other within microseconds.
   */
  private static final int MAX_ATTEMPTS = 4;
  /** A client's unknown name is quoted in the error up to this length. */
  private static final int MAX_QUOTED = 64;

  private final RoutingTableHolder tables;
  private final List<RouteRule> chain;

  public RuleChainRoute(RoutingTableHolder tables, RoutingRuleStats stats) {
    this.tables = requireNonNull(tables, "tables");
    this.chain = List.of(new ForceHeaderRule(requireNonNull(stats, "stats")), new StickyKeyRule(), new WeightRule());
  }

  @Override
  public Selection select(String fullMethod, Metadata headers, Collection<Backend> tried) {
    boolean panic = false;
    RouteCause cause = RouteCause.WEIGHT;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      RoutingTable table = tables.current();
      if (table == null) {
        break;
      }
      RouteRule.Choice choice = decide(table, headers, tried);
      cause = choice.cause();
      // Health does not concern a call the client forced: no panic note on its errors.
      panic = table.panic() && cause != RouteCause.HEADER;
      if (choice.unknown() != null) {
        return new Selection(null, Selection.Refusal.UNKNOWN_BACKEND, false, cause, 0.0, unknown(table, choice));
      }
      Backend backend = choice.backend();
      if (backend == null) {
        continue;
      }
      switch (backend.admit()) {
        case ADMITTED:
          if (cause == RouteCause.HEADER) {
            headers.discardAll(table.rules().forceKey());
          }
          return Selection.admitted(backend, panic, cause, table.shareOf(backend));
        case OVERLOADED:
          return new Selection(backend, Selection.Refusal.OVERLOADED, panic, cause, table.shareOf(backend), null);
        default:
          break; // draining: the next read sees the table without it
      }
    }
    return new Selection(null, Selection.Refusal.NO_BACKEND, panic, cause, 0.0, null);
  }

  private RouteRule.Choice decide(RoutingTable table, Metadata headers, Collection<Backend> tried) {
    for (RouteRule rule : chain) {
      RouteRule.Choice choice = rule.choose(table, headers, tried);
      if (choice != null) {
        return choice;
      }
    }
    throw new AssertionError("the weight rule always decides");
  }

  /** E.g. {@code x-canary-backend: "v3" names no backend (expected one of: v1, v2; ...)}. */
  private static String unknown(RoutingTable table, RouteRule.Choice choice) {
    String header = table.rules().settings().forceHeader();
    return header + ": " + quote(choice.unknown()) + " names no backend (expected one of: "
        + table.backends().stream().map(Backend::name).collect(Collectors.joining(", "))
        + "; or no " + header + " header to route by the weights)";
  }

  /** The client's text in quotes, cut to {@link #MAX_QUOTED} characters, anything but printable ASCII as '?'. */
  private static String quote(String text) {
    StringBuilder out = new StringBuilder(MAX_QUOTED + 8).append('"');
    for (int i = 0; i < Math.min(text.length(), MAX_QUOTED); i++) {
      char c = text.charAt(i);
      out.append(c >= 0x20 && c < 0x7f && c != '"' ? c : '?');
    }
    out.append('"');
    if (text.length() > MAX_QUOTED) {
      out.append(" (").append(text.length()).append(" characters)");
    }
    return out.toString();
  }
}
