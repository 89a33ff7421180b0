package dev.siskin.client.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** {@code kubectl kustomize DIR}: renders a Kustomization offline, no cluster involved. */
public final class Kustomize {
  private Kustomize() {}

  /** kubectl from PATH, if there is one. */
  public static Optional<Path> kubectl() {
    return Stream.of(Optional.ofNullable(System.getenv("PATH")).orElse("").split(File.pathSeparator))
        .filter(dir -> !dir.isEmpty())
        .map(dir -> Path.of(dir, "kubectl"))
        .filter(Files::isExecutable)
        .findFirst();
  }

  /**
   * The rendered YAML of {@code dir}. Skips (an assumption, not a pass) when kubectl is not on PATH: no Debian
   * package has a kubectl new enough for Kustomize components, so CI cannot install one.
   */
  public static String render(Path dir) throws IOException, InterruptedException {
    Optional<Path> kubectl = kubectl();
    assumeTrue(kubectl.isPresent(), "kubectl is not on PATH: the rendered deploy/k8s manifests are not checked "
        + "(install kubectl 1.27 or later; the source files are still parsed strictly)");
    Path out = Files.createTempFile("kustomize-", ".yaml");
    Path err = Files.createTempFile("kustomize-", ".err");
    try {
      Process p = new ProcessBuilder(kubectl.get().toString(), "kustomize", dir.toString())
          .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("kubectl kustomize " + dir + " did not finish within 60 s");
      }
      assertThat(p.exitValue()).as("kubectl kustomize %s: %s", dir, Files.readString(err)).isZero();
      return Files.readString(out);
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
