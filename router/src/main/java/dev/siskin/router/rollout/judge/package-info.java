/**
 * The automated rollout judge's statistics: from the calls a step's baseline and canary serve, and from shadow
 * comparisons, decide whether to roll the canary back, whether the step is ready to advance, or why it holds.
 *
 * <p>{@link dev.siskin.router.rollout.judge.StepJudge} is the entry point; its gates are sequential tests that
 * stay valid however often they are read ({@link dev.siskin.router.rollout.judge.AttributionTest} for "the canary
 * has more events than the baseline", {@link dev.siskin.router.rollout.judge.RateLimitTest} and
 * {@link dev.siskin.router.rollout.judge.RateBound} for absolute floors). Nothing here touches the proxy, the
 * clock or the configuration file: it is fed plain observations and hands out immutable reports. docs/rollout.md
 * explains the gates, the defaults and the simulation that checks them.
 */
package dev.siskin.router.rollout.judge;
