package dev.siskin.router.admin;

import dev.siskin.router.canary.ClassDistributionSnapshot;
import dev.siskin.router.canary.Disagreement;
import dev.siskin.router.canary.ShadowSnapshot;
import java.util.List;

/**
 * What {@code /canary} shows, read at request time: the shadow comparison, the copies running now, the class
 * distribution of served Predict answers per backend, and the kept disagreements.
 */
public interface CanaryView {
  ShadowSnapshot shadow();

  int shadowInFlight();

  ClassDistributionSnapshot classes();

  /** Newest first. */
  List<Disagreement> disagreements();
}
