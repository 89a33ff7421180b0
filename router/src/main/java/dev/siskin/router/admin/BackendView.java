package dev.siskin.router.admin;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One backend as the router currently routes to it, for {@code /clusters}. Immutable.
 *
 * @param name      backend name from canary.conf
 * @param target    the configured target, e.g. {@code 127.0.0.1:50052} or {@code dns:///model-v2:50051}
 * @param weight    configured weight in force
 * @param addresses the addresses the target resolved to, e.g. {@code 10.0.0.7:50051}; empty when not
 *                  known (yet)
 */
public record BackendView(String name, String target, int weight, List<String> addresses) {
  public BackendView {
    requireNonNull(name, "name");
    requireNonNull(target, "target");
    addresses = List.copyOf(addresses);
  }
}
