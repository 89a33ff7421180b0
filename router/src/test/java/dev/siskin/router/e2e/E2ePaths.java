package dev.siskin.router.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the end-to-end tests find the built jars, the repository and their log directory. Maven's failsafe
 * configuration in router/pom.xml passes them as system properties; the defaults fit a run from router/.
 */
final class E2ePaths {
  private E2ePaths() {}

  static Path repoRoot() {
    Path root = Path.of(System.getProperty("siskin.repo.root", "..")).toAbsolutePath().normalize();
    if (!Files.isDirectory(root.resolve("models")) || !Files.isRegularFile(root.resolve("scripts/stage.sh"))) {
      throw new IllegalStateException("no models/ and scripts/stage.sh under " + root
          + " (run the integration tests through 'mvn verify', which sets siskin.repo.root)");
    }
    return root;
  }

  static Path routerJar() {
    return builtJar("siskin.router.jar", "router/target/router.jar");
  }

  static Path modelServerJar() {
    return builtJar("siskin.model-server.jar", "model-server/target/model-server.jar");
  }

  static Path stageScript() {
    return repoRoot().resolve("scripts/stage.sh");
  }

  /** target/e2e-logs: every child's output lands here, one file per process, for diagnosis after a run. */
  static Path logDir() {
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
