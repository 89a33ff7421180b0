package dev.siskin.client.status;

import dev.siskin.client.admin.BackendActivity;
import dev.siskin.client.admin.CanaryStatus;
import dev.siskin.client.admin.RouterConfig;
import dev.siskin.client.admin.ShadowAgreement;
import dev.siskin.client.text.Table;
import dev.siskin.client.text.Table.Align;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the router reports about its config and traffic, for people: the file it reads and the fate of its last
 * reload, the weights in force with each backend's health, and the split of finished calls over the last minute
 * and since start, each window named, so that an old imbalance since start is not taken for the current split.
 */
public final class StatusReport {
  private StatusReport() {}

  public static String render(String admin, RouterConfig config, List<BackendActivity> activity) {
    return render(admin, config, activity, Optional.empty());
  }

  /** As above, with the shadow comparison's line and the automated rollout when the router reports them. */
  public static String render(String admin, RouterConfig config, List<BackendActivity> activity,
      Optional<CanaryStatus> canary) {
    String nl = System.lineSeparator();
    StringBuilder out = new StringBuilder();
    out.append("Router (admin http://").append(admin).append("): reads ").append(config.source())
        .append(", config generation ").append(config.generation()).append(" applied ")
        .append(time(config.appliedAt())).append(nl);
    RouterConfig.ReloadAttempt attempt = config.lastAttempt();
    if (attempt.ok()) {
      out.append("  last load of the file ").append(time(attempt.at())).append(": ok").append(nl);
    } else {
      out.append("  last load of the file ").append(time(attempt.at())).append(": REJECTED: ")
          .append(attempt.error()).append(nl)
          .append("  the router keeps serving its last good config (generation ").append(config.generation())
          .append(", weights below); fix the file and save it again").append(nl);
    }
    out.append(nl).append("Weights in force (router /config").append(weightsFrom(config)).append("):").append(nl)
        .append(weights(config, activity));
    out.append(nl).append("Observed split, calls finished per backend (router /clusters):").append(nl)
        .append(split(activity))
        .append("  last minute = the last 50 to 60 s (the router counts in 10 s slots); since start = since the "
            + "router started").append(nl);
    canary.map(CanaryStatus::shadow).ifPresent(s -> out.append(nl).append("Shadow comparison (router /canary):")
        .append(nl).append("  ").append(agreement(s)).append(nl));
    canary.map(CanaryStatus::rollout).ifPresent(r -> out.append(nl).append(RolloutSection.render(r)));
    return out.toString();
  }

  /** {@code ; set by the rollout; file: v1=100 v2=0} while the rollout's weights are in force, else nothing. */
  private static String weightsFrom(RouterConfig config) {
    if (config.rollout() == null || !config.rollout().setsWeights()) {
      return "";
    }
    StringBuilder file = new StringBuilder("; set by the rollout; file:");
    config.backends().forEach(b -> file.append(' ').append(b.name()).append('=').append(b.weightInFile()));
    return file.toString();
  }

  /**
   * E.g. {@code v2 gets copies: 98 of 135 compared Predict answers agree (72.6 %, 95 % interval 64.5-79.4 %);
   * most frequent flip setosa -> virginica (9); 0 status mismatches}.
   */
  public static String agreement(ShadowAgreement s) {
    if (s.backend() == null) {
      return "off (no shadow.backend in the config)";
    }
    StringBuilder line = new StringBuilder(s.backend()).append(" gets copies: ");
    if (s.compared() == 0) {
      return line.append("no Predict answers compared yet").toString();
    }
    line.append(s.agreed()).append(" of ").append(s.compared()).append(" compared Predict answers agree (")
        .append(String.format(Locale.ROOT, "%.1f %%, 95 %% interval %.1f-%.1f %%", 100.0 * s.agreed() / s.compared(),
            100 * s.lower95(), 100 * s.upper95())).append(")");
    if (!s.flips().isEmpty()) {
      ShadowAgreement.Flip top = s.flips().get(0);
      line.append("; most frequent flip ").append(top.primary()).append(" -> ").append(top.shadow())
          .append(" (").append(top.count()).append(")");
    }
    return line.append("; ").append(s.statusMismatches()).append(" status mismatches").toString();
  }

  private static String weights(RouterConfig config, List<BackendActivity> activity) {
    Map<String, String> health = new HashMap<>();
    activity.forEach(a -> health.put(a.name(), a.health()));
    long total = config.backends().stream().mapToLong(RouterConfig.Backend::weight).sum();
    Table t = Table.of("  backend", Align.LEFT, "weight", Align.RIGHT, "share", Align.RIGHT, "health", Align.LEFT,
        "target", Align.LEFT);
    for (RouterConfig.Backend b : config.backends()) {
      String h = health.get(b.name());
      t.row("  " + b.name(), String.valueOf(b.weight()), share(b.weight(), total), h == null ? "-" : h, b.target());
    }
    return t.render();
  }

  private static String split(List<BackendActivity> activity) {
    long lastMinute = activity.stream().mapToLong(BackendActivity::lastMinuteCalls).sum();
    long sinceStart = activity.stream().mapToLong(BackendActivity::sinceStartCalls).sum();
    Table t = Table.of("  backend", Align.LEFT, "last minute", Align.RIGHT, "share", Align.RIGHT,
        "since start", Align.RIGHT, "share", Align.RIGHT);
    for (BackendActivity a : activity) {
      t.row("  " + a.name() + (a.configured() ? "" : " (not configured)"), String.valueOf(a.lastMinuteCalls()),
          share(a.lastMinuteCalls(), lastMinute), String.valueOf(a.sinceStartCalls()),
          share(a.sinceStartCalls(), sinceStart));
    }
    return t.render();
  }

  private static String share(long part, long total) {
    return total == 0 ? "-" : String.format(Locale.ROOT, "%.1f %%", 100.0 * part / total);
  }

  /** {@code 2026-12-01T17:19:13Z}: whole seconds are enough to match a log line or an edit. */
  public static String time(String iso) {
    try {
      return Instant.parse(iso).truncatedTo(ChronoUnit.SECONDS).toString();
    } catch (DateTimeParseException e) {
      return iso;
    }
  }
}
