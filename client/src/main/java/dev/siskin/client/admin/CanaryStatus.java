package dev.siskin.client.admin;

/**
 * What the router's {@code /canary} reports that the status shows.
 *
 * @param shadow  the shadow comparison, or null when the router reports none usable
 * @param rollout the automated rollout, or null when the router does not report one (an older router)
 */
public record CanaryStatus(ShadowAgreement shadow, RolloutStatus rollout) {}
