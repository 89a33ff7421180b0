package dev.siskin.router.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Runs scripts/stage.sh as a real process against copies of config files. */
class StageScriptTest {
  private static final Path SCRIPT = findRepoFile("scripts/stage.sh");
  private static final Path CONTRACT_EXAMPLE = findRepoFile("config/canary.conf");

  /** Block form with comments, other keys, a quoted name, ':' separators, a third backend, no final newline. */
  private static final String BLOCK_FORM = """
      // staging copy
      router {
        admin = "127.0.0.1:9901"
        policy = random   # independent draws
      }
      backends {
        v1 {
          # the stable model
          target = "dns:///model-v1:50051"
          weight = 90 // ninety
        }
        "v2" {
          target = "127.0.0.1:50053"
          weight: 10
        }
        v3 { target = "127.0.0.1:50054", weight = 5 }
      }""";

  @TempDir
  Path dir;

  private record Result(int exitCode, String stdout, String stderr) {}

  private Result run(Path config, String... args) throws Exception {
    String[] command = Stream.concat(Stream.of("bash", SCRIPT.toString()), Stream.of(args)).toArray(String[]::new);
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectOutput(dir.resolve("stdout.txt").toFile())
        .redirectError(dir.resolve("stderr.txt").toFile());
    builder.environment().put("CANARY_CONFIG", config.toString());
    // status asks the router through client.jar, which the reactor builds after this module: these tests check
    // what the script does without it (client/src/test/java/dev/siskin/client/StageStatusIT.java runs it with it).
    builder.environment().put("SISKIN_CLIENT_JAR", dir.resolve("no-client.jar").toString());
    Process process = builder.start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("stage.sh did not finish in 60 s");
    }
    return new Result(process.exitValue(), Files.readString(dir.resolve("stdout.txt")),
        Files.readString(dir.resolve("stderr.txt")));
  }

  private Path copy(String content) throws IOException {
    Path configDir = Files.createDirectories(dir.resolve("config"));
    return Files.writeString(configDir.resolve("canary.conf"), content);
  }

  private static int[] weights(Path config) throws ConfigException {
    return CanaryConfigParser.parse(config, Map.of(), java.time.Clock.systemUTC()).backends().stream()
        .mapToInt(BackendSpec::weight).toArray();
  }

  @ParameterizedTest
  @CsvSource({"10, 90, 10", "50, 50, 50", "90, 10, 90", "100, 0, 100", "rollback, 100, 0"})
  void rewritesOnlyTheWeightsOfTheContractExample(String stage, int v1, int v2) throws Exception {
    String original = Files.readString(CONTRACT_EXAMPLE);
    Path config = copy(original);

    Result result = run(config, stage);

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(weights(config)).containsExactly(v1, v2);
    String expected = original
        .replace("\"127.0.0.1:50052\", weight = 90 }", "\"127.0.0.1:50052\", weight = " + v1 + " }")
        .replace("\"127.0.0.1:50053\", weight = 10 }", "\"127.0.0.1:50053\", weight = " + v2 + " }");
    assertThat(Files.readString(config)).isEqualTo(expected);
    assertThat(result.stdout()).contains("v1: weight 90 -> " + v1, "v2: weight 10 -> " + v2);
  }

  @Test
  void rewritesTheBlockFormAndKeepsEverythingElse() throws Exception {
    Path config = copy(BLOCK_FORM);

    Result result = run(config, "90");

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(weights(config)).containsExactly(10, 90, 5);
    assertThat(Files.readString(config)).isEqualTo(BLOCK_FORM
        .replace("weight = 90 // ninety", "weight = 10 // ninety")
        .replace("weight: 10", "weight: 90"));
  }

  @Test
  void goingBackRestoresTheFileByteForByte() throws Exception {
    Path config = copy(BLOCK_FORM.replace("\n", "\r\n") + "\r\n");

    assertThat(run(config, "100").exitCode()).isZero();
    assertThat(run(config, "10").exitCode()).isZero();

    assertThat(Files.readString(config)).isEqualTo(BLOCK_FORM.replace("\n", "\r\n") + "\r\n");
  }

  @Test
  void replacesTheFileAtomicallyAndKeepsItsMode() throws Exception {
    Path config = copy(Files.readString(CONTRACT_EXAMPLE));
    Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r-----"));
    Object inodeBefore = Files.getAttribute(config, "unix:ino");

    Result result = run(config, "50");

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    // A new inode: the script renamed a complete new file over the old one instead of rewriting it in place.
    assertThat(Files.getAttribute(config, "unix:ino")).isNotEqualTo(inodeBefore);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-r-----");
    try (Stream<Path> files = Files.list(config.getParent())) {
      assertThat(files).containsExactly(config); // no temp file left behind
    }
  }

  @Test
  void editsTheTargetOfASymlinkAndKeepsTheLink() throws Exception {
    Path real = copy(Files.readString(CONTRACT_EXAMPLE));
    Path link = Files.createSymbolicLink(dir.resolve("link.conf"), real);

    assertThat(run(link, "rollback").exitCode()).isZero();

    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(weights(real)).containsExactly(100, 0);
  }

  @Test
  void saysSoWhenAlreadyAtTheStage() throws Exception {
    Path config = copy(Files.readString(CONTRACT_EXAMPLE));
    Object inodeBefore = Files.getAttribute(config, "unix:ino");

    Result result = run(config, "10");

    assertThat(result.exitCode()).isZero();
    assertThat(result.stdout()).contains("unchanged");
    assertThat(Files.getAttribute(config, "unix:ino")).isEqualTo(inodeBefore);
  }

  @ParameterizedTest
  @ValueSource(strings = {"42", "", "ROLLBACK", "10 50", "-1"})
  void rejectsABadArgumentWithUsageAndExitCode2(String argument) throws Exception {
    String original = Files.readString(CONTRACT_EXAMPLE);
    Path config = copy(original);

    Result result = run(config, argument.split(" ", -1));

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.stderr()).contains("usage: scripts/stage.sh 10|50|90|100|rollback|auto|pause|resume|status");
    assertThat(result.stdout()).isEmpty();
    assertThat(Files.readString(config)).isEqualTo(original);
  }

  @Test
  void rejectsNoArgument() throws Exception {
    Result result = run(copy(Files.readString(CONTRACT_EXAMPLE)));

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.stderr()).contains("usage:");
  }

  @Test
  void failsClearlyWhenThereIsNoV2WeightToRewrite() throws Exception {
    String original = "backends {\n  v1 { target = \"h:1\", weight = 90 }\n  canary { target = \"h:2\", weight = 10 }\n}\n";
    Path config = copy(original);

    Result result = run(config, "50");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.stderr()).contains("has no integer weight for backend v2 to rewrite");
    assertThat(Files.readString(config)).isEqualTo(original);
    try (Stream<Path> files = Files.list(config.getParent())) {
      assertThat(files).containsExactly(config);
    }
  }

  @Test
  void failsClearlyWhenTheFileIsMissing() throws Exception {
    Result result = run(dir.resolve("nope.conf"), "50");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.stderr()).contains("cannot read the config file").contains("nope.conf");
  }

  @Test
  void statusPrintsTheWeightsWithTheirSharesAndSaysWhyTheRouterWasNotAsked() throws Exception {
    Path config = copy(BLOCK_FORM);

    Result result = run(config, "status");

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout())
        .containsPattern("v1 +weight +90 +share +85\\.7 %")
        .containsPattern("v2 +weight +10 +share +9\\.5 %")
        .containsPattern("v3 +weight +5 +share +4\\.8 %")
        .contains("Router: not asked (" + dir.resolve("no-client.jar") + " is not built; build it with: "
            + "mvn -B -q -pl client -am package -DskipTests)");
    assertThat(Files.readString(config)).isEqualTo(BLOCK_FORM);
  }

  @Test
  void statusOfANegativeWeightSaysTheFileIsInvalidWithoutSharesAndExitsOne() throws Exception {
    Path config = copy(Files.readString(CONTRACT_EXAMPLE).replace("weight = 90", "weight = 105")
        .replace("weight = 10 }", "weight = -5 }"));

    Result result = run(config, "status");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.stdout())
        .contains("Weights in " + config + ": INVALID, the router rejects this file:")
        .containsPattern("v1 +weight +105\\R")
        .containsPattern("v2 +weight +-5 +\\(expected: an integer >= 0\\)")
        .doesNotContain("share");
    assertThat(result.stderr())
        .isEqualTo("stage.sh: " + config + " is invalid (see above): a router rejects it and keeps serving its "
            + "last good config\n");
  }

  @Test
  void statusOfWeightsThatAreAllZeroSaysTheFileIsInvalidAndExitsOne() throws Exception {
    Path config = copy(Files.readString(CONTRACT_EXAMPLE).replace("weight = 90", "weight = 0")
        .replace("weight = 10 }", "weight = 0 }"));

    Result result = run(config, "status");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.stdout()).contains("INVALID", "(expected: at least one weight > 0)").doesNotContain("share");
  }

  // ------------------------------------------------------------------------------- the automated rollout's line

  private static final String MARKER = "  # written by scripts/stage.sh auto|pause|resume|<stage>; keep it last";
  private static final Pattern RUN_ID = Pattern.compile("[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}");

  private static RolloutSettings rollout(Path config) throws ConfigException {
    return CanaryConfigParser.parse(config, Map.of(), java.time.Clock.systemUTC()).rollout();
  }

  /** Runs stage.sh auto on the file and returns the run-id it wrote. */
  private String auto(Path config) throws Exception {
    Result result = run(config, "auto");
    assertThat(result.exitCode()).as(result.stderr()).isZero();
    return rollout(config).runId();
  }

  private static String controlLine(boolean enabled, String runId, boolean paused) {
    return "rollout { enabled = " + enabled + ", run-id = \"" + runId + "\", paused = " + paused + " }" + MARKER;
  }

  @Test
  void autoAppendsOneControlLineWithAFreshRunIdAndKeepsEveryOtherByte() throws Exception {
    String original = Files.readString(CONTRACT_EXAMPLE);
    Path config = copy(original);

    Result result = run(config, "auto");

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    RolloutSettings plan = rollout(config);
    assertThat(plan.enabled()).isTrue();
    assertThat(plan.paused()).isFalse();
    assertThat(plan.runId()).matches(RUN_ID);
    assertThat(Files.readString(config)).isEqualTo(original + controlLine(true, plan.runId(), false) + "\n");
    assertThat(weights(config)).containsExactly(90, 10);
    assertThat(result.stdout()).contains("automated rollout " + plan.runId() + ", from its first step");
  }

  @Test
  void autoAgainReplacesTheLineWithANewRunIdSoThatANewRolloutStarts() throws Exception {
    String original = Files.readString(CONTRACT_EXAMPLE);
    Path config = copy(original);
    String first = auto(config);

    Result again = run(config, "auto");

    assertThat(again.exitCode()).as(again.stderr()).isZero();
    String second = rollout(config).runId();
    assertThat(second).matches(RUN_ID).isNotEqualTo(first);
    assertThat(Files.readString(config)).isEqualTo(original + controlLine(true, second, false) + "\n");
  }

  @Test
  void pauseAndResumeSetPausedAndKeepTheRunId() throws Exception {
    String original = Files.readString(CONTRACT_EXAMPLE);
    Path config = copy(original);
    String runId = auto(config);

    Result paused = run(config, "pause");

    assertThat(paused.exitCode()).as(paused.stderr()).isZero();
    assertThat(rollout(config)).satisfies(p -> {
      assertThat(p.enabled()).isTrue();
      assertThat(p.paused()).isTrue();
      assertThat(p.runId()).isEqualTo(runId);
    });
    assertThat(Files.readString(config)).isEqualTo(original + controlLine(true, runId, true) + "\n");

    Result resumed = run(config, "resume");

    assertThat(resumed.exitCode()).as(resumed.stderr()).isZero();
    assertThat(rollout(config).paused()).isFalse();
    assertThat(Files.readString(config)).isEqualTo(original + controlLine(true, runId, false) + "\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"pause", "resume"})
  void pauseOrResumeWithoutAnAutomatedRolloutFailsClearlyAndChangesNothing(String command) throws Exception {
    String original = Files.readString(CONTRACT_EXAMPLE);
    Path config = copy(original);

    Result result = run(config, command);

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.stderr()).contains("no automated rollout to " + command, "start one with: scripts/stage.sh auto");
    assertThat(Files.readString(config)).isEqualTo(original);
    try (Stream<Path> files = Files.list(config.getParent())) {
      assertThat(files).containsExactly(config);
    }
  }

  @Test
  void aManualStageAtTheSameWeightsStillEndsTheAutomationAndKeepsTheRunId() throws Exception {
    String original = Files.readString(CONTRACT_EXAMPLE);
    Path config = copy(original);
    String runId = auto(config);

    Result result = run(config, "10"); // the file's weights are 90/10 already

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout()).contains("the automated rollout " + runId + " ends");
    assertThat(rollout(config).enabled()).isFalse();
    assertThat(rollout(config).runId()).isEqualTo(runId);
    assertThat(weights(config)).containsExactly(90, 10);
    assertThat(Files.readString(config)).isEqualTo(original + controlLine(false, runId, false) + "\n");

    Result pause = run(config, "pause");
    assertThat(pause.exitCode()).isEqualTo(1);
    assertThat(pause.stderr()).contains("no automated rollout to pause");
  }

  @Test
  void aManualStageRewritesTheWeightsAndEndsAPausedAutomationInOneWrite() throws Exception {
    String original = Files.readString(CONTRACT_EXAMPLE);
    Path config = copy(original);
    String runId = auto(config);
    assertThat(run(config, "pause").exitCode()).isZero();

    Result result = run(config, "rollback");

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(weights(config)).containsExactly(100, 0);
    assertThat(rollout(config).enabled()).isFalse();
    assertThat(Files.readString(config)).isEqualTo(original
        .replace("weight = 90 }", "weight = 100 }").replace("weight = 10 }", "weight = 0 }")
        + controlLine(false, runId, true) + "\n");
  }

  @Test
  void theLineIsReplacedWhereItIsAndMergesOverARolloutBlockAboveIt() throws Exception {
    // CRLF, no final newline, a rollout block of the operator's above, and a line someone added after the control line.
    String plan = "rollout { steps = [shadow, 100], step-time = 5s }\r\n";
    Path config = copy(plan + BLOCK_FORM.replace("\n", "\r\n").replace("v3 { target = \"127.0.0.1:50054\", weight = 5 }",
        "v3 { target = \"127.0.0.1:50054\", weight = 0 }"));
    String runId = auto(config);
    String withLine = Files.readString(config);
    assertThat(withLine).endsWith("}\r\n" + controlLine(true, runId, false));
    Files.writeString(config, withLine + "\r\n# after");

    Result result = run(config, "pause");

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(Files.readString(config))
        .isEqualTo(withLine.replace(controlLine(true, runId, false), controlLine(true, runId, true)) + "\r\n# after");
    RolloutSettings merged = rollout(config);
    assertThat(merged.paused()).isTrue();
    assertThat(merged.enabled()).isTrue();
    assertThat(merged.steps()).hasSize(2);
    assertThat(merged.stepTime()).isEqualTo(java.time.Duration.ofSeconds(5));
  }

  /** Finds a file of the repository from the module directory (Maven) or the repository root (IDE). */
  private static Path findRepoFile(String relative) {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve(relative))) {
        return d.resolve(relative);
      }
    }
    throw new IllegalStateException(relative + " not found above " + Path.of("").toAbsolutePath());
  }
}
