package dev.siskin.router.e2e;

import dev.siskin.router.testing.RepoPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Runs the real scripts/stage.sh against a test's config file (CANARY_CONFIG), as an operator would. */
final class StageScript {
  private StageScript() {}

  /** The weights {v1, v2} a stage sets, as docs/interfaces.md and the README give them. */
  static int[] weights(String stage) {
    return switch (stage) {
      case "10" -> new int[] {90, 10};
      case "50" -> new int[] {50, 50};
      case "90" -> new int[] {10, 90};
      case "100" -> new int[] {0, 100};
      case "rollback" -> new int[] {100, 0};
      default -> throw new IllegalArgumentException("stage: " + stage + " (expected: 10|50|90|100|rollback)");
    };
  }

  /** Runs {@code stage.sh stage}; asserts exit 0 within 30 s and returns its output. */
  static String run(Path config, String stage) throws IOException, InterruptedException {
    Path output = Files.createTempFile("stage-sh", ".out");
    try {
      ProcessBuilder builder = new ProcessBuilder("bash", RepoPaths.stageScript().toString(), stage)
          .directory(RepoPaths.repoRoot().toFile())
          .redirectErrorStream(true)
          .redirectOutput(output.toFile());
      builder.environment().put("CANARY_CONFIG", config.toString());
      Process process = builder.start();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("stage.sh " + stage + " still running after 30 s: " + Files.readString(output));
      }
      String text = Files.readString(output);
      if (process.exitValue() != 0) {
        throw new AssertionError("stage.sh " + stage + " exited " + process.exitValue() + ": " + text);
      }
      return text;
    } finally {
      Files.deleteIfExists(output);
    }
  }
}
