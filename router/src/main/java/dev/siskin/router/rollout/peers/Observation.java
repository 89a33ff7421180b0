package dev.siskin.router.rollout.peers;

import dev.siskin.router.rollout.judge.Comparison;
import dev.siskin.router.rollout.judge.Role;
import io.grpc.Status;

/**
 * What a following router saw that the judge must count: a weight-routed call's first attempt, or a shadow
 * comparison. Exactly what the judge's own {@code StepJudge} is fed for a call it served itself, so that the
 * judge decides from every router's calls as if it had served them all.
 */
public sealed interface Observation {
  /**
   * @param role        which version the call's first attempt went to
   * @param canaryShare the canary's routing share in the follower when it routed the call, in [0, 1]
   * @param code        the first attempt's status (the judge applies its failure codes)
   * @param latencyNanos from arrival to close
   * @param startMillis when the call arrived, epoch millis (the judge leaves out calls from before its step)
   */
  record Call(Role role, double canaryShare, Status.Code code, long latencyNanos, long startMillis)
      implements Observation {}

  /** One shadow comparison of a call the follower's baseline answered and its canary shadowed. */
  record Compared(Comparison comparison) implements Observation {}
}
