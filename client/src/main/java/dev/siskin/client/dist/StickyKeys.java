package dev.siskin.client.dist;

import static java.util.Objects.requireNonNull;

import io.grpc.Metadata;

/**
 * The sticky keys of a distribution run: call {@code i} carries key {@code user-(i mod count)} in {@code header},
 * so every key is sent {@code calls / count} times (or once more). Immutable.
 *
 * @param header the router's {@code routing.sticky-header}
 * @param count  how many distinct keys, at least 1
 */
public record StickyKeys(Metadata.Key<String> header, int count) {
  public StickyKeys {
    requireNonNull(header, "header");
    if (count < 1) {
      throw new IllegalArgumentException("count: " + count + " (expected: >= 1)");
    }
  }

  /** The key of call number {@code call} (0-based). */
  public String keyOf(long call) {
    return "user-" + Math.floorMod(call, (long) count);
  }
}
