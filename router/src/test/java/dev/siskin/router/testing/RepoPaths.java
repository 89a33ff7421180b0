package dev.siskin.router.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the tests that start the real jars (e2e and faults) find the built jars, the repository and their log
 * directory. Maven's failsafe
 * configuration in router/pom.xml passes them as system properties; the defaults fit a run from router/.
 */
public final class RepoPaths {
  private RepoPaths() {}

  public static Path repoRoot() {
    Path root = Path.of(System.getProperty("siskin.repo.root", "..")).toAbsolutePath().normalize();
    if (!Files.isDirectory(root.resolve("models")) || !Files.isRegularFile(root.resolve("scripts/stage.sh"))) {
      throw new IllegalStateException("no models/ and scripts/stage.sh under " + root
          + " (run the integration tests through 'mvn verify', which sets siskin.repo.root)");
    }
    return root;
  }

  public static Path routerJar() {
    return builtJar("siskin.router.jar", "router/target/router.jar");
  }

  public static Path modelServerJar() {
    return builtJar("siskin.model-server.jar", "model-server/target/model-server.jar");
  }

  public static Path stageScript() {
    return repoRoot().resolve("scripts/stage.sh");
  }

  /** target/e2e-logs: every child's output lands here, one file per process, for diagnosis after a run. */
  public static Path logDir() {
    Path dir = Path.of(System.getProperty("siskin.e2e.logs", "target/e2e-logs")).toAbsolutePath();
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path builtJar(String property, String fallback) {
    Path jar = Path.of(System.getProperty(property, repoRoot().resolve(fallback).toString()));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is not built: run the integration tests through 'mvn verify'");
    }
    return jar;
  }
}
