package dev.siskin.client.stats;

/**
 * Outcome of a chi-square goodness-of-fit test.
 *
 * @param statistic        Pearson's chi-square statistic
 * @param degreesOfFreedom categories - 1
 * @param pValue           probability of a statistic at least this large if the expected shares are right
 */
public record ChiSquareResult(double statistic, int degreesOfFreedom, double pValue) {}
