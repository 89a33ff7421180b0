package dev.siskin.router.rollout.judge;

/**
 * What one step's judge has been fed.
 *
 * @param canaryCalls        weight-routed calls the canary served
 * @param canaryFailures     of those, failed
 * @param baselineCalls      weight-routed calls the baseline served
 * @param baselineFailures   of those, failed
 * @param slowThresholdNanos the slow-call threshold in force, or null while the step's first baseline calls are collected
 * @param canarySlow         canary calls slower than the threshold (counted once it is in force)
 * @param baselineSlow       baseline calls slower than the threshold (counted once it is in force)
 * @param canaryJudgedSlow   canary calls judged against the threshold (those after it froze)
 * @param canaryOverP99Limit canary calls slower than the p99 limit (0 without one)
 * @param compared           shadow comparisons
 * @param disagreed          of those, different predictions
 * @param shadowFailed       of those, the shadow failed while the primary succeeded
 */
public record StepCounts(
    long canaryCalls,
    long canaryFailures,
    long baselineCalls,
    long baselineFailures,
    Long slowThresholdNanos,
    long canarySlow,
    long baselineSlow,
    long canaryJudgedSlow,
    long canaryOverP99Limit,
    long compared,
    long disagreed,
    long shadowFailed) {}
