package dev.siskin.router.config;

import static java.util.Objects.requireNonNull;

import java.util.Set;

/**
 * The {@code shadow { }} block of canary.conf: which calls are also copied to a shadow backend, whose answers
 * are compared with the primary's and never reach the client.
 *
 * @param backend     the shadow backend's name, or "" when shadowing is off
 * @param percent     share of the selected calls that are copied, 0 to 100
 * @param methods     full method names that are copied, e.g. {@code mlservice.v1.PredictionService/Predict}
 * @param maxInFlight shadow calls running at once, router-wide; over it a copy is skipped and counted
 */
public record ShadowSettings(String backend, double percent, Set<String> methods, int maxInFlight) {
  public ShadowSettings {
    requireNonNull(backend, "backend");
    methods = Set.copyOf(methods);
    if (percent < 0 || percent > 100) {
      throw new IllegalArgumentException("percent: " + percent + " (expected: 0 to 100)");
    }
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight: " + maxInFlight + " (expected: >= 1)");
    }
  }

  /** Shadowing off: the default. */
  public static final ShadowSettings OFF =
      new ShadowSettings("", 100, Set.of("mlservice.v1.PredictionService/Predict"), 100);

  /** Whether any call can be copied. */
  public boolean enabled() {
    return !backend.isEmpty() && percent > 0 && !methods.isEmpty();
  }
}
