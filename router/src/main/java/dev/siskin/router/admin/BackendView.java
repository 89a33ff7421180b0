package dev.siskin.router.admin;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.observe.DnsSnapshot;
import dev.siskin.router.observe.EndpointSnapshot;
import java.util.List;

/**
 * One backend as the router currently routes to it, for {@code /clusters}. Immutable.
 *
 * @param name      backend name from canary.conf
 * @param target    the configured target, e.g. {@code 127.0.0.1:50052} or {@code dns:///model-v2:50051}
 * @param weight    configured weight in force
 * @param addresses the addresses the target resolved to, e.g. {@code 10.0.0.7:50051}; empty when not
 *                  known (yet)
 * @param endpoints per address: state, health, calls; also removed addresses still draining calls
 * @param dns       the outcome of the target's DNS lookups
 */
public record BackendView(String name, String target, int weight, List<String> addresses,
    List<EndpointSnapshot> endpoints, DnsSnapshot dns) {
  public BackendView {
    requireNonNull(name, "name");
    requireNonNull(target, "target");
    addresses = List.copyOf(addresses);
    endpoints = List.copyOf(endpoints);
    requireNonNull(dns, "dns");
  }

  /** A backend whose addresses are known only as a list (no per-address state, no lookups). */
  public BackendView(String name, String target, int weight, List<String> addresses) {
    this(name, target, weight, addresses, List.of(), DnsSnapshot.NONE);
  }
}
