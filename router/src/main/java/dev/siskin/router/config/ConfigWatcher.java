package dev.siskin.router.config;

import java.nio.file.Path;

/**
 * PLACEHOLDER so the router compiles before the config work is merged; the real watcher replaces this file.
 * Only the API is here.
 */
public final class ConfigWatcher {
  /** Told about every change of the watched file; called from the watcher's one thread. */
  public interface Listener {
    /** A valid file whose content differs from the last applied one. */
    void onChange(CanaryConfig next);

    /** A file that cannot be used; once per distinct bad content. */
    void onRejected(ConfigException error);
  }

  public ConfigWatcher(Path file, Listener listener) {
    throw new UnsupportedOperationException("implemented by the config work");
  }

  public void start() {
    throw new UnsupportedOperationException("implemented by the config work");
  }

  public void close() {
    throw new UnsupportedOperationException("implemented by the config work");
  }
}
