package dev.siskin.router.config;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * One backend (Envoy's "cluster") as the config file declares it: a name, where to reach it and its
 * traffic weight. Immutable; equality is by value so a reload can tell which backends changed.
 *
 * @param name   the key under {@code backends} in canary.conf, e.g. {@code v2}; sent back to clients in
 *               the {@code x-canary-backend} response header
 * @param target {@code host:port} or a gRPC target URI such as {@code dns:///model-v2:50051}
 * @param weight non-negative traffic weight; the backend's share is weight / sum of weights
 * @param maxInFlight        {@code backends.<name>.max-in-flight}: this backend's cap on calls in flight
 *                           (0 = none), or {@link #INHERIT} for {@code router.max-in-flight-per-backend}
 * @param healthCheckService {@code backends.<name>.health-check-service}: the service name its health
 *                           checks ask about, or null for {@code router.health-check.service}
 * @param tls                {@code backends.<name>.tls}: call it over TLS; empty: plaintext h2c
 */
public record BackendSpec(String name, String target, int weight, int maxInFlight, String healthCheckService,
    Optional<BackendTlsSettings> tls) {
  /** {@link #maxInFlight()} value meaning "the router-wide setting". */
  public static final int INHERIT = -1;

  public BackendSpec {
    requireNonNull(name, "name");
    requireNonNull(target, "target");
    requireNonNull(tls, "tls");
    if (weight < 0) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: >= 0)");
    }
    if (maxInFlight < INHERIT) {
      throw new IllegalArgumentException("maxInFlight: " + maxInFlight + " (expected: >= 0, or INHERIT)");
    }
  }

  /** A plaintext backend. */
  public BackendSpec(String name, String target, int weight, int maxInFlight, String healthCheckService) {
    this(name, target, weight, maxInFlight, healthCheckService, Optional.empty());
  }

  /** A backend that takes the router-wide in-flight cap and health-check service. */
  public BackendSpec(String name, String target, int weight) {
    this(name, target, weight, INHERIT, null);
  }

  /** The cap on calls in flight that applies to this backend (0 = none). */
  public int maxInFlight(RouterSettings router) {
    return maxInFlight == INHERIT ? router.failure().limits().maxInFlightPerBackend() : maxInFlight;
  }

  /** The service name this backend's health checks ask about. */
  public String healthCheckService(RouterSettings router) {
    return healthCheckService == null ? router.failure().healthCheck().service() : healthCheckService;
  }
}
