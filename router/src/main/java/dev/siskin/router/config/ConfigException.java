package dev.siskin.router.config;

/**
 * A config file that cannot be used. The message names the file, the line when known, and the problem,
 * e.g. {@code config/canary.conf:7: backends.v2.weight: -5 (expected: an integer >= 0)}.
 */
public final class ConfigException extends Exception {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
