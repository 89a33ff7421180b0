package dev.siskin.client.admin;

import java.util.List;

/**
 * The shadow comparison as the router's {@code /canary} reports it, the part a person reads first.
 *
 * @param backend          the shadow backend, or null when shadowing is off
 * @param compared         Predict pairs with both answers valid
 * @param agreed           of those, the pairs with the same prediction
 * @param lower95          lower end of the 95 % interval of agreed / compared
 * @param upper95          upper end
 * @param flips            disagreeing (primary, shadow) class pairs with their counts, most frequent first
 * @param statusMismatches pairs whose two calls ended with different status codes
 */
public record ShadowAgreement(String backend, long compared, long agreed, double lower95, double upper95,
    List<Flip> flips, long statusMismatches) {
  public ShadowAgreement {
    flips = List.copyOf(flips);
  }

  /** One cell of the flip matrix off its diagonal. */
  public record Flip(String primary, String shadow, long count) {}
}
