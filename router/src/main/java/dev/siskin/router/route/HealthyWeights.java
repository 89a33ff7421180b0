package dev.siskin.router.route;

/**
 * The weights a picker gets once health is known: an unroutable (unhealthy or ejected) backend's weight
 * becomes 0, so its share goes to the routable ones in proportion to their own weights -- with 50/30/20 and
 * the 30 down, the others split 50:20, i.e. 5/7 and 2/7, exactly in every window of the smooth picker.
 * When no backend with a positive weight is routable, the router is in panic mode (as Envoy): it routes by
 * the configured weights to all of them rather than refuse every call. A weight of 0 stays 0 either way:
 * it is the operator's decision, not a failure.
 *
 * @param weights one per backend, at least one > 0
 * @param panic   true when no positive-weight backend is routable and {@code weights} are the configured ones
 */
public record HealthyWeights(int[] weights, boolean panic) {

  /** Pure function of the configured weights and which backends are routable. */
  public static HealthyWeights of(int[] configured, boolean[] routable) {
    if (configured.length != routable.length) {
      throw new IllegalArgumentException("routable: " + routable.length + " values for " + configured.length
          + " weights (expected: one per weight)");
    }
    int[] healthy = new int[configured.length];
    long sum = 0;
    for (int i = 0; i < configured.length; i++) {
      healthy[i] = routable[i] ? configured[i] : 0;
      sum += healthy[i];
    }
    return sum > 0 ? new HealthyWeights(healthy, false) : new HealthyWeights(configured.clone(), true);
  }
}
