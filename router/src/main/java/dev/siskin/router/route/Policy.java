package dev.siskin.router.route;

/** How a call picks one backend by the configured weights. */
public enum Policy {
  /**
   * nginx's smooth weighted round-robin: every window of sum(weights) consecutive picks matches the
   * weights exactly, and picks of one backend are spread out rather than bunched. The default.
   */
  SMOOTH_WEIGHTED_ROUND_ROBIN,
  /** Independent weighted random draws: shares converge only on average. */
  RANDOM;

  /** Parses the config spelling: {@code smooth-weighted-round-robin} or {@code random}. */
  public static Policy fromConfig(String value) {
    for (Policy p : values()) {
      if (p.configName().equals(value)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "policy: \"" + value + "\" (expected: smooth-weighted-round-robin or random)");
  }

  public String configName() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
