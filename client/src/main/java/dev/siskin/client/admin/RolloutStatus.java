package dev.siskin.client.admin;

import java.util.List;

/**
 * The automated rollout as the router's {@code /canary} reports it (its {@code rollout} object). Every field but
 * {@code state} may be missing from an older router: text fields are then "", numbers null, lists empty.
 *
 * @param state             disabled, running, paused, promoted or rolled-back
 * @param runId             the run's id ("" when none)
 * @param baseline          the baseline backend
 * @param canary            the canary backend
 * @param step              the current step's index, from 0
 * @param stepName          the current step: "shadow" or its canary percent ("" when none)
 * @param steps             the plan's steps, as named
 * @param canaryPercent     the canary's share the rollout sets now, percent; null when it sets none
 * @param timeInStepSeconds time in the current step; null when no run
 * @param stepTimeSeconds   least time in a step before it may advance
 * @param minCalls          least canary calls (in the shadow step: compared answers) before it may advance
 * @param waiting           what the step waits for before it may advance ("" when nothing)
 * @param judge             the judge's last report on the step, or null
 * @param lastDecision      the latest decision (start, advance, pause, roll-back, ...), or null
 * @param peers             this router's part in a rollout several routers share ({@code alone} when one router)
 */
public record RolloutStatus(String state, String runId, String baseline, String canary, int step, String stepName,
    List<String> steps, Long canaryPercent, Double timeInStepSeconds, Double stepTimeSeconds, Long minCalls,
    String waiting, Judge judge, Decision lastDecision, Peers peers) {
  public RolloutStatus {
    steps = List.copyOf(steps);
  }

  /**
   * @param role         alone, judge or follower
   * @param judge        the judge's admin address ("" when alone)
   * @param judgeProblem a follower: why the judge cannot be reached now ("" when it can)
   * @param followers    the judge: the other routers, and how many of them follow it now
   * @param following    the judge: how many of them follow it now
   */
  public record Peers(String role, String judge, String judgeProblem, int followers, int following) {
    public static final Peers ALONE = new Peers("alone", "", "", 0, 0);
  }

  /** Whether no rollout ever ran in this router: nothing to show but that. */
  public boolean neverRan() {
    return state.equals("disabled") && lastDecision == null;
  }

  /** Whether the judge decides (or would, once resumed): what the step waits for is current. */
  public boolean live() {
    return state.equals("running") || state.equals("paused");
  }

  /**
   * @param verdict     roll-back, hold or ready (the router's spelling)
   * @param reason      the verdict in words
   * @param canaryCalls the canary's judged calls in this step
   * @param compared    shadow answers compared in this step
   * @param gates       each gate's evidence, in the router's order
   */
  public record Judge(String verdict, String reason, long canaryCalls, long compared, List<Gate> gates) {
    public Judge {
      gates = List.copyOf(gates);
    }
  }

  /**
   * One gate: its evidence against the canary over the rollout (e-value, rejecting at {@code bar}) and, for a
   * floor, the upper bound of its rate in this step against the rate {@code limit}. Absent numbers are null.
   */
  public record Gate(String gate, String verdict, Double eValue, Double bar, Double upperBound, Double limit,
      String reason) {}

  /** A decision of the rollout: what, when (ISO-8601 text), from which step to which, and why. */
  public record Decision(String at, String kind, int fromStep, int toStep, String reason) {}
}
