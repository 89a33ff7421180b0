package dev.siskin.router.rollout.judge;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A seeded, in-memory stand-in for the rollout controller's loop around {@link StepJudge}: calls are routed at
 * random by the step's canary share, fail and take time as the serving version's model says, and every
 * {@link Plan#tick} calls the report is read (the controller reads it once a second) to roll back, advance or hold.
 * Rejections are kept by the tests, so reading less often misses no crossing; it only makes the counts at the
 * rollback up to one tick too high.
 */
final class RolloutSimulator {
  /** Shortest latency of the model: 2 ms. */
  private static final double BASE_NANOS = 2e6;
  /** Mean of the exponential tail on top: 1 ms (the baseline's p95 is then 2 + 3 = 5 ms). */
  private static final double TAIL_NANOS = 1e6;

  private RolloutSimulator() {}

  /**
   * How one version behaves.
   *
   * @param failureRate  chance that a call fails
   * @param slowdown     factor on the latency model (2 ms + exponential of mean 1 ms)
   * @param disagreement chance that its shadow answer differs from the primary's
   */
  record Version(double failureRate, double slowdown, double disagreement) {
    long latencyNanos(SplittableRandom random) {
      return (long) (slowdown * (BASE_NANOS - TAIL_NANOS * Math.log(1 - random.nextDouble())));
    }
  }

  /** A step: the canary's share of calls and the share of baseline-served calls copied to it and compared. */
  record Step(double canaryShare, double shadowShare) {
    StepScope scope() {
      return new StepScope(canaryShare > 0, shadowShare > 0);
    }
  }

  /**
   * The controller's loop: a step advances once it is ready with {@code minCalls} canary calls (comparisons in a
   * shadow step); {@code advance} false holds the first step until a rollback or the cap.
   *
   * @param tick calls between two reads of the report
   */
  record Plan(JudgeSettings settings, List<Step> steps, int minCalls, long capCallsPerStep, boolean advance,
      int tick) {}

  /**
   * How a rollout ended.
   *
   * @param rolledBack  a gate rejected
   * @param completed   every step advanced
   * @param step        index of the step it ended in
   * @param canaryCalls canary calls served until it ended (all steps)
   * @param compared    shadow comparisons until it ended (all steps)
   * @param rejectedBy  the gates that rejected
   * @param waiting     for a run held at the cap, the gates still waiting
   */
  record Result(boolean rolledBack, boolean completed, int step, long canaryCalls, long compared,
      List<Gate> rejectedBy, List<Gate> waiting) {}

  static Result run(SplittableRandom random, Plan plan, Version baseline, Version canary) {
    StepJudge judge = null;
    long canaryCalls = 0;
    long compared = 0;
    for (int s = 0; s < plan.steps().size(); s++) {
      Step step = plan.steps().get(s);
      judge = judge == null ? StepJudge.start(plan.settings(), step.scope()) : judge.next(step.scope());
      long calls = 0;
      while (true) {
        for (int i = 0; i < plan.tick(); i++) {
          boolean toCanary = random.nextDouble() < step.canaryShare();
          Version version = toCanary ? canary : baseline;
          boolean failed = random.nextDouble() < version.failureRate();
          judge.recordCall(toCanary ? Role.CANARY : Role.BASELINE, step.canaryShare(), failed,
              version.latencyNanos(random));
          if (!toCanary && !failed && step.shadowShare() > 0 && random.nextDouble() < step.shadowShare()) {
            boolean disagrees = random.nextDouble() < canary.disagreement();
            judge.recordComparison(disagrees ? Comparison.DISAGREED : Comparison.AGREED);
          }
        }
        calls += plan.tick();
        JudgeReport report = judge.report();
        StepCounts counts = report.counts();
        if (report.verdict() == Verdict.ROLL_BACK) {
          return new Result(true, false, s, canaryCalls + counts.canaryCalls(), compared + counts.compared(),
              report.rejectedBy(), List.of());
        }
        long judged = step.canaryShare() > 0 ? counts.canaryCalls() : counts.compared();
        if (plan.advance() && report.verdict() == Verdict.READY && judged >= plan.minCalls()) {
          canaryCalls += counts.canaryCalls();
          compared += counts.compared();
          break;
        }
        if (calls >= plan.capCallsPerStep()) {
          List<Gate> waiting = report.gates().stream().filter(g -> g.verdict() == GateVerdict.WAITING)
              .map(GateReport::gate).toList();
          return new Result(false, false, s, canaryCalls + counts.canaryCalls(), compared + counts.compared(),
              List.of(), waiting);
        }
      }
    }
    return new Result(false, true, plan.steps().size() - 1, canaryCalls, compared, List.of(), List.of());
  }

  /** Many seeded rollouts of one scenario, summarised. */
  static Summary runMany(long seed, int runs, Plan plan, Version baseline, Version canary) {
    SplittableRandom random = new SplittableRandom(seed);
    int rolledBack = 0;
    int completed = 0;
    long[] toRollback = new long[runs];
    long[] comparedToRollback = new long[runs];
    Map<String, Integer> held = new TreeMap<>();
    Map<String, Integer> rejectedBy = new TreeMap<>();
    for (int run = 0; run < runs; run++) {
      Result result = run(random.split(), plan, baseline, canary);
      if (result.rolledBack()) {
        toRollback[rolledBack] = result.canaryCalls();
        comparedToRollback[rolledBack] = result.compared();
        rolledBack++;
        String where = "step " + (result.step() + 1) + " by " + result.rejectedBy().stream().map(Gate::label)
            .collect(Collectors.joining("+"));
        rejectedBy.merge(where, 1, Integer::sum);
      }
      completed += result.completed() ? 1 : 0;
      if (!result.rolledBack() && !result.completed()) {
        String where = "step " + (result.step() + 1) + " waiting on " + result.waiting().stream().map(Gate::label)
            .collect(Collectors.joining("+"));
        held.merge(where, 1, Integer::sum);
      }
    }
    return new Summary(runs, rolledBack, completed, Arrays.copyOf(toRollback, rolledBack),
        Arrays.copyOf(comparedToRollback, rolledBack), held, rejectedBy);
  }

  /**
   * @param toRollback         per rolled-back run, canary calls served until the rollback
   * @param comparedToRollback per rolled-back run, shadow comparisons until the rollback
   * @param held               runs held at the cap, by step and waiting gates
   * @param rejectedBy         runs rolled back, by step and rejecting gates
   */
  record Summary(int runs, int rolledBack, int completed, long[] toRollback, long[] comparedToRollback,
      Map<String, Integer> held, Map<String, Integer> rejectedBy) {
    double rolledBackFraction() {
      return (double) rolledBack / runs;
    }

    static long quantile(long[] values, double q) {
      if (values.length == 0) {
        return -1;
      }
      long[] sorted = values.clone();
      Arrays.sort(sorted);
      return sorted[Math.max((int) Math.ceil(q * sorted.length - 1e-9), 1) - 1];
    }
  }
}
