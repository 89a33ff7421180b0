package dev.siskin.router.route;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.observe.RouteCause;
import io.grpc.Metadata;
import java.util.Collection;

/**
 * One step of the routing chain: either it decides the call's backend, or it passes the call to the next step.
 * Implementations are stateless apart from counters and read everything else from the table: thread-safe,
 * non-blocking, called for every call.
 */
interface RouteRule {

  /**
   * @param tried backends that already failed this call (empty for its first attempt)
   * @return the choice, or null to pass the call on to the next rule
   */
  Choice choose(RoutingTable table, Metadata headers, Collection<Backend> tried);

  /** The value of the header {@code key} (the last one, as grpc-java reads metadata); null when off or absent. */
  static String value(Metadata headers, Metadata.Key<String> key) {
    return key == null ? null : headers.get(key);
  }

  /**
   * A rule's decision: a backend (not admitted yet), or a refusal of the call.
   *
   * @param backend the chosen backend, null when the rule refuses the call or its picker had none
   * @param cause   the rule that decided
   * @param unknown for a refusal: what the client asked for that does not exist; null otherwise
   */
  record Choice(Backend backend, RouteCause cause, String unknown) {
    static Choice of(Backend backend, RouteCause cause) {
      return new Choice(backend, cause, null);
    }
  }
}
