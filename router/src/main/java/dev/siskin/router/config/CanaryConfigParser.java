package dev.siskin.router.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * Reads canary.conf (HOCON) over the router's reference.conf and validates it as a whole.
 *
 * <p>The steps: parse the file strictly (a missing file is an error, not an empty config); lay it over the
 * {@code router} and {@code routing} blocks of the router's own reference.conf (only those: the shaded jar
 * concatenates every library's reference.conf into one file, and their keys are not ours); resolve substitutions, so
 * {@code target = ${?MODEL_V2_TARGET}} takes the environment variable when it is set; then
 * {@link SnapshotReader} checks every key and value and builds the immutable {@link CanaryConfig}.
 * Every problem found is reported, each with file, line and reason, in one {@link ConfigException}.
 *
 * <p>Stateless and thread-safe; re-reads the file on every call (no caching, unlike {@code ConfigFactory.load}).
 */
public final class CanaryConfigParser {
  /** Larger files are refused before parsing: canary.conf is a few hundred bytes, and a reload must stay cheap. */
  static final long MAX_FILE_BYTES = 1 << 20;

  /** The router's own blocks of reference.conf, resolved on their own as Typesafe Config requires. */
  private static final Config OWN_DEFAULTS = ownBlocks(ConfigFactory
      .parseResources(CanaryConfigParser.class.getClassLoader(), "reference.conf",
          ConfigParseOptions.defaults().setAllowMissing(false))
      .resolve());

  private CanaryConfigParser() {}

  private static Config ownBlocks(Config reference) {
    return reference.withOnlyPath(SnapshotReader.ROUTER)
        .withFallback(reference.withOnlyPath(SnapshotReader.ROUTING))
        .withFallback(reference.withOnlyPath(ShadowSettingsReader.SHADOW))
        .withFallback(reference.withOnlyPath(RolloutSettingsReader.ROLLOUT));
  }

  /** reference.conf's failure-handling settings and routing rules, read once on first use. */
  private static final class Defaults {
    static final FailureSettings FAILURE = SnapshotReader.readDefaults(OWN_DEFAULTS);
    static final RoutingSettings ROUTING = SnapshotReader.readRoutingDefaults(OWN_DEFAULTS);
  }

  static FailureSettings defaultFailureSettings() {
    return Defaults.FAILURE;
  }

  static RoutingSettings defaultRoutingSettings() {
    return Defaults.ROUTING;
  }

  /**
   * A valid config and what the file should still change though it was accepted: one line per obsolete key
   * ({@code file:line: router.forwarding = "grpc": obsolete and ignored (...)}), for the log.
   */
  public record Parsed(CanaryConfig config, List<String> notices) {
    public Parsed {
      requireNonNull(config, "config");
      notices = List.copyOf(notices);
    }
  }

  /**
   * Parses and validates one file; substitutions such as {@code ${?MODEL_V1_TARGET}} see the process
   * environment. Notices are dropped: use {@link #read(Path)} where they are logged.
   *
   * @throws ConfigException naming file, line and reason when the file cannot be used
   */
  public static CanaryConfig parse(Path file) throws ConfigException {
    return read(file).config();
  }

  /** As {@link #parse(Path)}, with the notices. */
  public static Parsed read(Path file) throws ConfigException {
    return read(file, System.getenv(), Clock.systemUTC());
  }

  /**
   * Parses and validates one file, resolving substitutions against {@code environment} instead of the
   * process environment (for tests and tools that must not depend on the caller's variables).
   *
   * @throws ConfigException naming file, line and reason when the file cannot be used
   */
  public static CanaryConfig parse(Path file, Map<String, String> environment, Clock clock)
      throws ConfigException {
    return read(file, environment, clock).config();
  }

  /** As {@link #parse(Path, Map, Clock)}, with the notices. */
  public static Parsed read(Path file, Map<String, String> environment, Clock clock) throws ConfigException {
    requireNonNull(file, "file");
    requireNonNull(environment, "environment");
    requireNonNull(clock, "clock");
    checkReadable(file);
    Config fromFile;
    Config resolved;
    try {
      fromFile = ConfigFactory.parseFile(file.toFile(),
          ConfigParseOptions.defaults().setAllowMissing(false).setSyntax(ConfigSyntax.CONF));
      // The environment joins as the last fallback so that ${?VAR} finds it during resolve(); it is never
      // read as config afterwards (SnapshotReader reads only router, routing and backends). Resolving against a
      // separate source with resolveWith() is not an option: Typesafe 1.4.3 fails on "a = 1, a = ${?A}".
      Config environmentConfig =
          ConfigValueFactory.fromMap(environment, "environment variables").toConfig();
      resolved = fromFile.withFallback(OWN_DEFAULTS).withFallback(environmentConfig)
          .resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigException(describe(file, e), e);
    }
    SnapshotReader reader = new SnapshotReader(file, OWN_DEFAULTS);
    CanaryConfig config = reader.read(fromFile.root().keySet(), resolved, clock.instant());
    return new Parsed(config, reader.notices());
  }

  private static void checkReadable(Path file) throws ConfigException {
    if (!Files.exists(file)) {
      throw new ConfigException(file + ": file not found (expected: the router's HOCON config file; "
          + "pass its path as the first argument or set CANARY_CONFIG)");
    }
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(file + ": not a regular file (expected: the router's HOCON config file)");
    }
    try {
      long size = Files.size(file);
      if (size > MAX_FILE_BYTES) {
        throw new ConfigException(file + ": " + size + " bytes (expected: at most " + MAX_FILE_BYTES + ")");
      }
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read: " + e, e);
    }
  }

  /** {@code file:line: problem} for Typesafe's own errors (syntax, unresolved substitution, I/O). */
  private static String describe(Path file, com.typesafe.config.ConfigException e) {
    String message = e.getMessage();
    if (e.origin() == null) {
      return file + ": " + message;
    }
    // Typesafe prefixes "<origin description>: "; we print the location our way, so drop it.
    String prefix = e.origin().description() + ": ";
    if (message.startsWith(prefix)) {
      message = message.substring(prefix.length());
    }
    String where = e.origin().filename() != null ? e.origin().filename() : file.toString();
    int line = e.origin().lineNumber();
    return (line >= 0 ? where + ":" + line : where) + ": " + message;
  }
}
