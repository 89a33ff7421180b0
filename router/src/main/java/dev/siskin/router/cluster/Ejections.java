package dev.siskin.router.cluster;

import java.time.Duration;

/**
 * The arithmetic of outlier ejection, as Envoy does it: the n-th ejection in a row lasts
 * {@code base x n}, at most {@code max}; and at most {@code maxPercent} % of the backends are ejected at once,
 * though one may always be unless it is 0 % (with two backends and 50 %, exactly one). Pure functions.
 */
final class Ejections {
  private Ejections() {}

  /** How long the {@code ejections}-th ejection lasts (1 for the first). */
  static Duration duration(int ejections, Duration base, Duration max) {
    if (ejections <= 0) {
      return Duration.ZERO;
    }
    // Compared in millis so that a long run of ejections cannot overflow.
    long millis = base.toMillis();
    return millis > max.toMillis() / ejections ? max : Duration.ofMillis(millis * ejections);
  }

  /** Whether one more backend may be ejected when {@code ejected} of {@code total} already are. */
  static boolean mayEject(int ejected, int total, int maxPercent) {
    if (total <= 0 || maxPercent <= 0) {
      return false;
    }
    return ejected == 0 || (long) (ejected + 1) * 100 <= (long) maxPercent * total;
  }
}
