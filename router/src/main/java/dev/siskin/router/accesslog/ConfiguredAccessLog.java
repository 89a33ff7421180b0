package dev.siskin.router.accesslog;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.config.RouterSettings;
import dev.siskin.router.observe.CallListener;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.observe.ConnectionRefusal;
import java.util.function.Supplier;

/**
 * The access log as canary.conf says it should be right now: off, text or JSON lines. Reading the settings
 * per call (one volatile read) makes {@code router.access-log} and {@code router.access-log-format} take
 * effect on reload like every other setting, without re-registering listeners. Thread-safe.
 */
public final class ConfiguredAccessLog implements CallListener {
  private final Supplier<RouterSettings> settings;
  private final AccessLogListener text;
  private final AccessLogListener json;

  public ConfiguredAccessLog(Supplier<RouterSettings> settings) {
    this.settings = requireNonNull(settings, "settings");
    this.text = new AccessLogListener(AccessLogFormat.TEXT);
    this.json = new AccessLogListener(AccessLogFormat.JSON);
  }

  @Override
  public void onCallFinished(CallOutcome outcome) {
    RouterSettings now = settings.get();
    if (now.accessLog()) {
      (now.accessLogFormat() == AccessLogFormat.JSON ? json : text).onCallFinished(outcome);
    }
  }

  @Override
  public void onConnectionRefused(ConnectionRefusal refusal) {
    RouterSettings now = settings.get();
    if (now.accessLog()) {
      (now.accessLogFormat() == AccessLogFormat.JSON ? json : text).onConnectionRefused(refusal);
    }
  }
}
