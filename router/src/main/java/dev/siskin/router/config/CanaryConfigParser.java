package dev.siskin.router.config;

import java.nio.file.Path;

/** Reads canary.conf (HOCON) over the router's reference.conf and validates it as a whole. */
public final class CanaryConfigParser {
  private CanaryConfigParser() {}

  /**
   * Parses and validates one file.
   *
   * @throws ConfigException naming file, line and reason when the file cannot be used
   */
  public static CanaryConfig parse(Path file) throws ConfigException {
    throw new UnsupportedOperationException("implemented by the config work");
  }
}
