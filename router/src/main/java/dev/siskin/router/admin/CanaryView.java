package dev.siskin.router.admin;

import dev.siskin.router.canary.ClassDistributionSnapshot;
import dev.siskin.router.canary.Disagreement;
import dev.siskin.router.canary.ShadowSnapshot;
import dev.siskin.router.rollout.RolloutView;
import java.util.List;

/**
 * What {@code /canary} shows, read at request time: the shadow comparison, the copies running now, the class
 * distribution of served Predict answers per backend, the kept disagreements, and the force-header values the
 * routing rules could not use.
 */
public interface CanaryView {
  ShadowSnapshot shadow();

  int shadowInFlight();

  ClassDistributionSnapshot classes();

  /** Newest first. */
  List<Disagreement> disagreements();

  /** Calls whose force header named no backend (refused with INVALID_ARGUMENT). */
  long forceHeaderUnknown();

  /** Calls whose force header was empty (routed as without it). */
  long forceHeaderEmpty();

  /** The automated rollout now; null when the router has none (tests of other things). */
  default RolloutView rollout() {
    return null;
  }
}
