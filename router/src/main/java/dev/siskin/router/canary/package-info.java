/**
 * What the router learns from the answers themselves: how a shadow backend's Predict answers compare with the
 * primary's ({@link dev.siskin.router.canary.ShadowComparison}), and how often each backend predicts each class
 * ({@link dev.siskin.router.canary.ClassDistribution}).
 *
 * <p>The classes here know nothing of the proxy: they are fed raw message bytes and status codes, decode what
 * they can, count everything (never throw on a bad answer), and hand out immutable snapshots. Every label they
 * keep (class names, backend names, feature names) is bounded in number and length, because a backend or a
 * client can send anything.
 */
package dev.siskin.router.canary;
