package dev.siskin.router.canary;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The predicted-class counts of every backend at one moment. Immutable.
 *
 * @param backends by backend name, in the order the backends were first seen; only backends with at least one
 *                 counted call. Backends past {@value ClassDistribution#MAX_BACKENDS} share
 *                 {@value BoundedLabels#OTHER}.
 */
public record ClassDistributionSnapshot(Map<String, BackendClasses> backends) {
  public ClassDistributionSnapshot {
    backends = Collections.unmodifiableMap(new LinkedHashMap<>(backends));
  }

  /**
   * How far {@code canary}'s class distribution is from {@code baseline}'s; empty while either has no call with a
   * valid prediction.
   */
  public Optional<DistributionDistance> distance(String baseline, String canary) {
    BackendClasses b = backends.get(baseline);
    BackendClasses c = backends.get(canary);
    if (b == null || c == null || b.predictions() == 0 || c.predictions() == 0) {
      return Optional.empty();
    }
    return Optional.of(DistributionDistance.between(b.byClass(), c.byClass()));
  }
}
