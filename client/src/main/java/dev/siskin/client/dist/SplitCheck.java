package dev.siskin.client.dist;

import dev.siskin.client.stats.ChiSquareResult;
import dev.siskin.client.stats.ChiSquareTest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides whether the observed per-backend counts fit the expected shares.
 *
 * <p>Backends with an expected share of 0 are left out of the chi-square test (their expected count is 0,
 * where the statistic is undefined); a single call landing on one of them, or on a backend not expected at
 * all, makes the split implausible outright, since it cannot happen when the weights are in force.
 */
public final class SplitCheck {
  /** Below this p-value the observed split is called implausible. */
  public static final double DEFAULT_ALPHA = 0.001;

  private SplitCheck() {}

  /**
   * One backend's line of the report.
   *
   * @param expectedShare in [0, 1]
   * @param expectedCalls expectedShare times the successful calls
   */
  public record Row(String backend, double expectedShare, double expectedCalls, long observedCalls,
                    double observedShare, Map<String, Long> versions) {}

  /**
   * The verdict.
   *
   * @param chiSquare  null when no successful call was observed
   * @param unexpected backends that got calls although their expected share is 0
   */
  public record Verdict(List<Row> rows, ChiSquareResult chiSquare, List<String> unexpected, double alpha) {
    public boolean plausible() {
      return unexpected.isEmpty() && (chiSquare == null || chiSquare.pValue() >= alpha);
    }
  }

  /** Compares the successful calls of {@code result} with {@code expected}. */
  public static Verdict check(DistributionResult result, ExpectedShares expected, double alpha) {
    return check(result.byBackend(), result.versionsByBackend(), expected, alpha);
  }

  /**
   * Compares counts per backend with {@code expected}: calls, or sticky keys (each key is one independent draw
   * of the router's hash, while the calls of one key all go where the key goes).
   *
   * @param versions model versions seen per backend, for the report (may be empty)
   */
  public static Verdict check(Map<String, Long> observed, Map<String, Map<String, Long>> versions,
      ExpectedShares expected, double alpha) {
    long total = observed.values().stream().mapToLong(Long::longValue).sum();
    Set<String> names = new LinkedHashSet<>(expected.weights().keySet());
    names.addAll(observed.keySet());

    List<Row> rows = new ArrayList<>();
    List<String> unexpected = new ArrayList<>();
    List<Long> testedObserved = new ArrayList<>();
    List<Double> testedExpected = new ArrayList<>();
    for (String name : names) {
      double share = expected.share(name);
      long seen = observed.getOrDefault(name, 0L);
      rows.add(new Row(name, share, share * total, seen, total == 0 ? 0 : (double) seen / total,
          versions.getOrDefault(name, Map.of())));
      if (share > 0) {
        testedObserved.add(seen);
        testedExpected.add(share * total);
      } else if (seen > 0) {
        unexpected.add(name);
      }
    }
    ChiSquareResult chi = total == 0 ? null : ChiSquareTest.goodnessOfFit(
        testedObserved.stream().mapToLong(Long::longValue).toArray(),
        testedExpected.stream().mapToDouble(Double::doubleValue).toArray());
    return new Verdict(List.copyOf(rows), chi, List.copyOf(unexpected), alpha);
  }
}
