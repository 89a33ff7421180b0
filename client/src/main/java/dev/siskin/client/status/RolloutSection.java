package dev.siskin.client.status;

import dev.siskin.client.admin.RolloutStatus;
import dev.siskin.client.text.Table;
import dev.siskin.client.text.Table.Align;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The automated rollout for people: state and step, the canary's share now, time and calls in the step against
 * what it needs, each gate's evidence against its bar, what the step waits for and the last decision with its
 * reason. A router where no rollout ever ran gets one line.
 */
final class RolloutSection {
  private RolloutSection() {}

  static String render(RolloutStatus r) {
    String nl = System.lineSeparator();
    StringBuilder out = new StringBuilder("Rollout (router /canary): ").append(r.state());
    if (r.neverRan()) {
      return out.append(nl).toString();
    }
    if (!r.runId().isEmpty()) {
      out.append(", run ").append(r.runId());
    }
    if (!r.canary().isEmpty()) {
      out.append(", ").append(r.canary()).append(" against ").append(r.baseline());
    }
    out.append(nl);
    RolloutStatus.Peers peers = r.peers();
    if (peers.role().equals("judge")) {
      out.append("  this router judges for ").append(peers.followers()).append(" other router(s), ")
          .append(peers.following()).append(" following").append(nl);
    } else if (peers.role().equals("follower")) {
      out.append("  this router follows the judge at ").append(peers.judge().isEmpty() ? "(none found)" : peers.judge())
          .append(peers.judgeProblem().isEmpty() ? "" : " -- unreachable (" + peers.judgeProblem()
              + "): holding its step").append(nl);
    }
    if (!r.state().equals("disabled")) {
      out.append("  step ").append(stepLabel(r.stepName()));
      if (!r.steps().isEmpty()) {
        out.append(" (").append(r.step() + 1).append(" of ").append(r.steps().size()).append(")");
      }
      out.append(", canary share now ").append(r.canaryPercent() == null ? "-" : r.canaryPercent() + " %").append(nl);
      List<String> progress = new ArrayList<>();
      if (r.live()) { // once the rollout ended, its step's clock means nothing
        progress.add("time in step " + seconds(r.timeInStepSeconds()) + " of " + seconds(r.stepTimeSeconds()));
      }
      if (r.judge() != null) {
        boolean shadow = r.stepName().equals("shadow");
        progress.add((shadow ? "shadow answers compared " : "canary calls ")
            + (shadow ? r.judge().compared() : r.judge().canaryCalls()) + " of "
            + (r.minCalls() == null ? "-" : r.minCalls()));
      }
      if (!progress.isEmpty()) {
        out.append("  ").append(String.join("; ", progress)).append(nl);
      }
      if (r.judge() != null) {
        // Once ended, the router keeps the judge's last report: that of the step the last decision was made in.
        RolloutStatus.Decision d = r.lastDecision();
        out.append(r.live() || d == null ? "  judge: "
            : "  judge's last report (step " + stepLabel(r, d.fromStep()) + "): ").append(r.judge().verdict())
            .append(nl).append(gates(r));
      }
      if (r.live() && !r.waiting().isEmpty()) {
        out.append("  waiting for: ").append(r.waiting()).append(nl);
      }
    }
    RolloutStatus.Decision d = r.lastDecision();
    if (d != null) {
      out.append("  last decision: ").append(d.kind()).append(" at ").append(StatusReport.time(d.at()))
          .append(" (step ").append(stepLabel(r, d.fromStep()))
          .append(d.toStep() == d.fromStep() ? "" : " -> " + stepLabel(r, d.toStep())).append("): ")
          .append(d.reason()).append(nl);
    }
    return out.toString();
  }

  private static String gates(RolloutStatus r) {
    Table t = Table.of("    gate", Align.LEFT, "verdict", Align.LEFT, "evidence vs bar", Align.LEFT, "reason",
        Align.LEFT);
    for (RolloutStatus.Gate g : r.judge().gates()) {
      t.row("    " + g.gate(), g.verdict(), evidence(g), g.reason());
    }
    return t.render();
  }

  /** {@code e-value 2.1 vs bar 400; upper bound 6.8 % vs limit 5 %}, each part when the router gives it. */
  static String evidence(RolloutStatus.Gate g) {
    if (g.verdict().equals("off")) {
      return "-";
    }
    StringBuilder e = new StringBuilder();
    if (g.eValue() != null && g.bar() != null) {
      e.append("e-value ").append(significant(g.eValue())).append(" vs bar ").append(significant(g.bar()));
    }
    if (g.upperBound() != null && g.limit() != null) {
      e.append(e.length() == 0 ? "" : "; ").append("upper bound ").append(percent(g.upperBound()))
          .append(" vs limit ").append(percent(g.limit()));
    }
    return e.length() == 0 ? "-" : e.toString();
  }

  private static String stepLabel(String name) {
    if (name.isEmpty()) {
      return "-";
    }
    return name.equals("shadow") ? name : name + " %";
  }

  private static String stepLabel(RolloutStatus r, int index) {
    return index >= 0 && index < r.steps().size() ? stepLabel(r.steps().get(index)) : String.valueOf(index);
  }

  private static String seconds(Double s) {
    return s == null ? "-" : significant(Math.round(s * 10) / 10.0) + " s";
  }

  private static String percent(double rate) {
    return significant(100 * rate) + " %";
  }

  /**
   * Three significant digits, without an exponent from 0.001 to a million: 398975.1 -> 399000, 399.99 -> 400,
   * 1.0 -> 1, 3.02e-37 -> 3.02e-37.
   */
  static String significant(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v) || Math.abs(v) >= 1e6 || (v != 0 && Math.abs(v) < 1e-3)) {
      return String.format(Locale.ROOT, "%.2e", v);
    }
    if (v == 0) {
      return "0";
    }
    return new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
  }
}
