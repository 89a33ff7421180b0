package dev.siskin.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/demo-rollout.sh without running a demo (that takes a minute and starts four JVMs; it is run by hand, see
 * README.md): its syntax, its help and its refusal of an unknown scenario before it starts anything.
 */
class DemoRolloutScriptTest {
  private static final Path SCRIPT = RepoFiles.root().resolve("scripts/demo-rollout.sh");

  @TempDir
  Path dir;

  private record Result(int exitCode, String out, String err) {}

  private Result bash(String... args) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(args).redirectOutput(dir.resolve("out").toFile())
        .redirectError(dir.resolve("err").toFile());
    Process p = builder.start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("bash " + String.join(" ", args) + " still running after 30 s");
    }
    return new Result(p.exitValue(), Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
  }

  @Test
  void parses() throws Exception {
    Result r = bash("bash", "-n", SCRIPT.toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
  }

  @Test
  void helpNamesEveryScenarioAndItsOutcome() throws Exception {
    Result r = bash("bash", SCRIPT.toString(), "--help");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .containsPattern("scripts/demo-rollout.sh good +.*promoted")
        .containsPattern("scripts/demo-rollout.sh errors +.*FAULT_ERROR_RATE=0\\.1.*rolled back")
        .containsPattern("scripts/demo-rollout.sh latency +.*FAULT_LATENCY_MS=20.*rolled back")
        .containsPattern("scripts/demo-rollout.sh predictions +.*FAULT_WRONG_RATE=0\\.3.*rolled back")
        .doesNotContain("set -euo pipefail");
  }

  @Test
  void anUnknownScenarioIsRefusedWithUsageAndExitCode2() throws Exception {
    Result r = bash("bash", SCRIPT.toString(), "sometimes");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("expected one scenario: good, errors, latency or predictions (got 'sometimes')",
        "scripts/demo-rollout.sh good");
    assertThat(r.out()).isEmpty();
  }
}
