package dev.siskin.router;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.ConfigException;
import dev.siskin.router.config.ConfigWatcher;
import dev.siskin.router.metrics.ConfigMetrics;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes each reload attempt from the config watcher to the router, and records its result where users see
 * it: the log, {@code /config} (the router's config state) and the config metrics. Called from the watcher's
 * one thread, which is also what serializes changes.
 *
 * <p>An apply that throws is not caught here: the watcher turns it into a rejection (see
 * {@link ConfigWatcher.Listener#onChange}), which comes back through {@link #onRejected}, so that a failure
 * while applying is reported exactly like a file that does not validate.
 */
final class ReloadReporter implements ConfigWatcher.Listener {
  private static final Logger log = LoggerFactory.getLogger(RouterMain.class);

  private final Path configFile;
  private final RouterServer router;
  private final ConfigMetrics metrics;

  ReloadReporter(Path configFile, RouterServer router, ConfigMetrics metrics) {
    this.configFile = requireNonNull(configFile, "configFile");
    this.router = requireNonNull(router, "router");
    this.metrics = requireNonNull(metrics, "metrics");
  }

  @Override
  public void onChange(CanaryConfig next) {
    log.info("config {} applied, {}", configFile, router.apply(next));
    metrics.recordReloadAttempt(router.configState());
  }

  @Override
  public void onUnchanged(CanaryConfig same) {
    long generation = router.configState().generation();
    if (router.confirmUnchanged()) {
      log.info("config {} is valid again and equals the config in force (generation {}); the last reload error is cleared",
          configFile, generation);
    }
    metrics.recordReloadAttempt(router.configState());
  }

  /** The watcher has logged the one ERROR line for this version of the file; record it for admin/metrics. */
  @Override
  public void onRejected(ConfigException error) {
    router.reject(error);
    metrics.recordReloadAttempt(router.configState());
  }
}
