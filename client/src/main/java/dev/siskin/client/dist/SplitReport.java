package dev.siskin.client.dist;

import dev.siskin.client.stats.ChiSquareResult;
import dev.siskin.client.text.Table;
import dev.siskin.client.text.Table.Align;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Formats a distribution run and its verdict for people: a headline, a table, and the test's outcome. */
public final class SplitReport {
  private SplitReport() {}

  /** {@code Sent 2000 Predict calls to T, 16 at a time: 1998 ok, 2 failed, in 2.41 s (829 calls/s)}. */
  public static String headline(DistributionResult r, String target, int concurrency) {
    double seconds = r.elapsed().toNanos() / 1e9;
    return String.format(Locale.ROOT, "Sent %d Predict calls to %s, %d at a time: %d ok, %d failed, in %.2f s (%.0f calls/s)%n",
        r.sent(), target, concurrency, r.succeeded(), r.failed(), seconds, seconds > 0 ? r.sent() / seconds : 0.0);
  }

  /** Table of observed vs expected calls per backend. */
  public static String table(SplitCheck.Verdict verdict) {
    return table(verdict, "calls");
  }

  /** Table of observed vs expected per backend; {@code unit} is what was counted ("calls", "keys"). */
  public static String table(SplitCheck.Verdict verdict, String unit) {
    Table t = Table.of("backend", Align.LEFT, "expected share", Align.RIGHT, "observed share", Align.RIGHT,
        "expected " + unit, Align.RIGHT, "observed " + unit, Align.RIGHT, "model versions", Align.LEFT);
    for (SplitCheck.Row row : verdict.rows()) {
      t.row(row.backend(), percent(row.expectedShare()), percent(row.observedShare()),
          String.format(Locale.ROOT, "%.1f", row.expectedCalls()), String.valueOf(row.observedCalls()),
          versions(row.versions()));
    }
    return t.render();
  }

  /** Table of observed counts only, when there is nothing to compare with. */
  public static String observedTable(DistributionResult r) {
    Table t = Table.of("backend", Align.LEFT, "observed share", Align.RIGHT, "observed calls", Align.RIGHT,
        "model versions", Align.LEFT);
    long total = r.succeeded();
    r.versionsByBackend().forEach((backend, versions) -> {
      long n = versions.values().stream().mapToLong(Long::longValue).sum();
      t.row(backend, percent(total == 0 ? 0 : (double) n / total), String.valueOf(n), versions(versions));
    });
    return t.render();
  }

  /** {@code chi-square 0.139, 1 degree of freedom, p = 0.709: plausible (fails below p = 0.001)}. */
  public static String testLine(SplitCheck.Verdict verdict) {
    ChiSquareResult chi = verdict.chiSquare();
    if (chi == null) {
      return "No successful call, so no test of the split." + System.lineSeparator();
    }
    String outcome = chi.pValue() >= verdict.alpha() ? "plausible" : "IMPLAUSIBLE";
    String p = pValue(chi.pValue());
    return String.format(Locale.ROOT, "chi-square %.3f, %d degree%s of freedom, p %s: %s (fails below p = %s)%n",
        chi.statistic(), chi.degreesOfFreedom(), chi.degreesOfFreedom() == 1 ? "" : "s",
        p.startsWith("<") ? p : "= " + p,
        outcome, pValue(verdict.alpha()));
  }

  /**
   * {@code Sticky keys: 100 keys in x-user-id, 10 calls each: every key stayed on one backend} or, when some
   * moved, how many and a few of them with the calls each backend served.
   */
  public static String keysLine(KeyPlacement keys, int calls) {
    String each = calls % keys.keys() == 0 ? String.valueOf(calls / keys.keys())
        : calls / keys.keys() + "-" + (calls / keys.keys() + 1);
    String head = "Sticky keys: " + keys.keys() + " keys in " + keys.header() + ", " + each + " calls each: ";
    if (keys.everyKeyStayed()) {
      return head + "every key stayed on one backend" + System.lineSeparator();
    }
    return head + keys.splitCount() + " of " + keys.keys() + " keys were served by more than one backend, e.g. "
        + keys.split().stream().map(e -> e.getKey() + " (" + versions(e.getValue()) + ")")
            .collect(Collectors.joining(", ")) + System.lineSeparator();
  }

  /** {@code UNAVAILABLE=5, RESOURCE_EXHAUSTED=2}. */
  public static String failures(DistributionResult r) {
    return r.failuresByCode().entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(", "));
  }

  static String percent(double share) {
    return String.format(Locale.ROOT, "%.1f %%", share * 100);
  }

  static String pValue(double p) {
    if (p == 0) {
      return "< 1e-300"; // below what a double holds: the split is certainly not the expected one
    }
    return p < 1e-3 ? String.format(Locale.ROOT, "%.1e", p) : String.format(Locale.ROOT, "%.3f", p);
  }

  private static String versions(Map<String, Long> versions) {
    return versions.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
  }
}
