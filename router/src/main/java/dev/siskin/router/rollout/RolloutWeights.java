package dev.siskin.router.rollout;

import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.RolloutSettings;
import dev.siskin.router.config.ShadowSettings;
import dev.siskin.router.proxy.CanaryObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a rollout puts in force over the file's config: the baseline's and the canary's weights for the step
 * (canary = the step's percent, baseline = the rest), and in the shadow step a shadow block that copies Predict
 * calls to the canary. Everything else is the file's. Pure and stateless.
 */
public final class RolloutWeights {
  private RolloutWeights() {}

  /**
   * The config in force for {@code file} while the rollout is in {@code state}; {@code file} itself when no
   * rollout sets weights.
   */
  public static CanaryConfig overlay(CanaryConfig file, RolloutState state) {
    RolloutSettings plan = file.rollout();
    if (state == null || !plan.enabled() || !state.phase().setsWeights() || !plan.runId().equals(state.runId())) {
      return file;
    }
    RolloutSettings.Step step = stepInForce(plan, state);
    int canaryWeight = state.phase() == RolloutPhase.ROLLED_BACK ? 0 : step.canaryPercent();
    List<BackendSpec> backends = new ArrayList<>();
    for (BackendSpec spec : file.backends()) {
      if (spec.name().equals(plan.canary())) {
        backends.add(withWeight(spec, canaryWeight));
      } else if (spec.name().equals(plan.baseline())) {
        backends.add(withWeight(spec, 100 - canaryWeight));
      } else {
        backends.add(spec);
      }
    }
    CanaryConfig weighted = file.withBackends(backends);
    if (step.shadow() && state.phase() != RolloutPhase.ROLLED_BACK) {
      weighted = weighted.withShadow(new ShadowSettings(plan.canary(), plan.shadowPercent(),
          Set.of(CanaryObserver.OBSERVED_METHOD), file.shadow().maxInFlight(), file.shadow().send()));
    }
    return weighted;
  }

  /** The step whose weights are in force: the last one once promoted. */
  public static RolloutSettings.Step stepInForce(RolloutSettings plan, RolloutState state) {
    int index = Math.min(state.step(), plan.steps().size() - 1);
    return plan.steps().get(index);
  }

  private static BackendSpec withWeight(BackendSpec spec, int weight) {
    return new BackendSpec(spec.name(), spec.target(), weight, spec.maxInFlight(), spec.healthCheckService());
  }
}
