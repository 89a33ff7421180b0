package dev.siskin.router.config;

import static java.util.Objects.requireNonNull;

/**
 * One backend (Envoy's "cluster") as the config file declares it: a name, where to reach it and its
 * traffic weight. Immutable; equality is by value so a reload can tell which backends changed.
 *
 * @param name   the key under {@code backends} in canary.conf, e.g. {@code v2}; sent back to clients in
 *               the {@code x-canary-backend} response header
 * @param target {@code host:port} or a gRPC target URI such as {@code dns:///model-v2:50051}
 * @param weight non-negative traffic weight; the backend's share is weight / sum of weights
 */
public record BackendSpec(String name, String target, int weight) {
  public BackendSpec {
    requireNonNull(name, "name");
    requireNonNull(target, "target");
    if (weight < 0) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: >= 0)");
    }
  }
}
