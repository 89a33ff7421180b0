package dev.siskin.client.load;

import dev.siskin.client.text.Table;
import io.grpc.Status;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The summary a load run prints: what was asked, what was sent, skipped and answered, and the counts table. */
public final class LoadReport {
  private LoadReport() {}

  /** The whole summary, lines ending in a newline. */
  public static String render(LoadResult r, Duration maxLateness) {
    StringBuilder out = new StringBuilder();
    LoadSchedule s = r.schedule();
    out.append(String.format(Locale.ROOT, "Load on %s: %s calls/s for %s s (%d calls), at most %d in flight\n",
        r.target(), plain(s.rate()), plain(s.duration().toMillis() / 1000.0), s.total(), r.maxInFlight()));
    if (r.stoppedBy() != null) {
      long notSent = s.total() - r.sent() - r.skippedInFlight() - r.skippedLate();
      out.append(String.format(Locale.ROOT, "Stopped by %s after %.2f s: %d planned calls were not sent\n",
          r.stoppedBy(), seconds(r.sending()), notSent));
    }
    out.append(String.format(Locale.ROOT, "Sent      %d calls in %.2f s: %.1f calls/s achieved\n",
        r.sent(), seconds(r.sending()), r.achievedRate()));
    out.append(String.format(Locale.ROOT,
        "Skipped   %d at the in-flight cap (%d), %d more than %d ms behind schedule\n",
        r.skippedInFlight(), r.maxInFlight(), r.skippedLate(), maxLateness.toMillis()));
    out.append(String.format(Locale.ROOT, "Answered  %d OK, %d failed, %d unfinished (still in flight at the end)\n",
        r.answered(), r.failed(), r.unfinished()));
    out.append(r.latency() == null ? "Latency   - (no OK call)\n" : String.format(Locale.ROOT,
        "Latency   p50 %.2f ms, p99 %.2f ms, max %.2f ms (OK calls)\n",
        r.latency().p50Millis(), r.latency().p99Millis(), r.latency().maxMillis()));
    if (!r.counts().isEmpty()) {
      out.append('\n').append(table(r));
    }
    return out.toString();
  }

  /** Finished calls by backend (rows) and status code (columns), with totals. */
  static String table(LoadResult r) {
    Set<Status.Code> codes = r.codes();
    List<Object> columns = new ArrayList<>(List.of("backend", Table.Align.LEFT));
    codes.forEach(code -> columns.addAll(List.of(code.name(), Table.Align.RIGHT)));
    columns.addAll(List.of("total", Table.Align.RIGHT));
    Table table = Table.of(columns.toArray());
    r.counts().forEach((backend, byCode) -> table.row(row(backend, byCode, codes)));
    if (r.counts().size() > 1) {
      table.row(row("all", r.byCode(), codes));
    }
    return table.render();
  }

  private static String[] row(String label, Map<Status.Code, Long> byCode, Set<Status.Code> codes) {
    List<String> cells = new ArrayList<>(List.of(label));
    codes.forEach(code -> cells.add(Long.toString(byCode.getOrDefault(code, 0L))));
    cells.add(Long.toString(byCode.values().stream().mapToLong(Long::longValue).sum()));
    return cells.toArray(String[]::new);
  }

  private static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }

  /** 100 for 100.0, 0.5 for 0.5: the numbers as the user typed them. */
  public static String plain(double value) {
    return Double.isFinite(value) ? BigDecimal.valueOf(value).stripTrailingZeros().toPlainString()
        : String.valueOf(value);
  }
}
