package dev.siskin.router.config;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.route.Policy;

/**
 * The {@code router { ... }} block of canary.conf. Defaults live in the router's reference.conf, not here.
 * More settings (health checks, retries, limits) are added as their features arrive.
 *
 * @param listen          {@code host:port} the gRPC server binds; a change needs a restart
 * @param admin           {@code host:port} of the admin HTTP endpoint; loopback by default
 * @param policy          how each call picks a backend by weight
 * @param maxMessageBytes largest message forwarded in either direction; beyond it RESOURCE_EXHAUSTED
 * @param accessLog       one log line per finished call when true
 */
public record RouterSettings(String listen, String admin, Policy policy, int maxMessageBytes, boolean accessLog) {
  public RouterSettings {
    requireNonNull(listen, "listen");
    requireNonNull(admin, "admin");
    requireNonNull(policy, "policy");
    if (maxMessageBytes <= 0) {
      throw new IllegalArgumentException("maxMessageBytes: " + maxMessageBytes + " (expected: > 0)");
    }
  }
}
