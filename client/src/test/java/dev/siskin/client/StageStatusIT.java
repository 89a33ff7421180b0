package dev.siskin.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/stage.sh status} as an operator runs it, against the real router jar and this build's client.jar
 * (which it calls): on loopback ports picked at run time, in front of two in-JVM model servers.
 */
class StageStatusIT {
  @TempDir
  Path dir;

  private FakePredictionServer v1;
  private FakePredictionServer v2;
  private RouterProcess router;
  private Path config;
  private String listen;
  private String admin;

  @BeforeEach
  void start() throws Exception {
    v1 = FakePredictionServer.modelServer("SERVING");
    v2 = FakePredictionServer.modelServer("SERVING");
    listen = FreePort.address();
    admin = FreePort.address();
    config = dir.resolve("canary.conf");
    Files.writeString(config, conf(50, 50, ""));
    router = RouterProcess.start(config, listen, admin);
  }

  @AfterEach
  void stop() throws Exception {
    if (router != null) {
      router.close();
    }
    v1.close();
    v2.close();
  }

  /** No health checks (the fake servers have no grpc.health.v1) and no drain, so that stopping is quick. */
  private String conf(int w1, int w2, String v2Extra) {
    return "router {\n"
        + "  listen = \"" + listen + "\"\n"
        + "  admin = \"" + admin + "\"\n"
        + "  health-check.enabled = false\n"
        + "  drain-grace = 0s\n"
        + "}\n"
        + "backends {\n"
        + "  v1 { target = \"" + v1.target() + "\", weight = " + w1 + " }\n"
        + "  v2 { target = \"" + v2.target() + "\", weight = " + w2 + v2Extra + " }\n"
        + "}\n";
  }

  private record Result(int exitCode, String out, String err) {}

  private Result stageStatus() throws Exception {
    Path out = dir.resolve("stage.out");
    Path err = dir.resolve("stage.err");
    ProcessBuilder builder = new ProcessBuilder("bash", RepoFiles.root().resolve("scripts/stage.sh").toString(), "status")
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().put("CANARY_CONFIG", config.toString());
    builder.environment().remove("SISKIN_ADMIN");
    builder.environment().remove("SISKIN_CLIENT_JAR");
    Process p = builder.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("stage.sh status still running after 60 s");
    }
    return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err));
  }

  /** Writes the file as an editor would and waits until the router has rejected it. */
  private void writeRejected(String text) throws Exception {
    Files.writeString(config, text);
    router.awaitConfig(c -> !c.lastAttempt().ok(), Duration.ofSeconds(15));
  }

  @Test
  void aFileTheRouterRejectedIsReportedWithTheRoutersErrorAndTheWeightsInForce() throws Exception {
    // Weights 90/10 are fine; the router rejects the file for another key, which only it can judge.
    writeRejected(conf(90, 10, ", max-in-flight = -3"));

    Result r = stageStatus();

    assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.out())
        .containsPattern("v1 +weight +90 +share +90\\.0 %")
        .contains("REJECTED: " + config + ":9: backends.v2.max-in-flight: -3 (expected: an integer >= 0; 0 = no limit)")
        .contains("keeps serving its last good config")
        .containsPattern("Weights in force \\(router /config\\):\\R +backend.*\\R +v1 +50 +50\\.0 %.*\\R +v2 +50 +50\\.0 %");
    assertThat(r.err()).startsWith("error: the router rejected its config file: " + config + ":9: "
        + "backends.v2.max-in-flight: -3");
  }

  @Test
  void negativeWeightsMakeTheFileInvalidAndAreNotShownAsShares() throws Exception {
    writeRejected(conf(105, -5, ""));

    Result r = stageStatus();

    assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.out())
        .contains("Weights in " + config + ": INVALID, the router rejects this file:")
        .containsPattern("v2 +weight +-5 +\\(expected: an integer >= 0\\)")
        .doesNotContain("share 105")
        .contains("REJECTED: " + config + ":9: backends.v2.weight: -5 (expected: an integer >= 0)")
        .containsPattern("\\R +v1 +50 +50\\.0 % ");
    assertThat(r.err()).contains("error: the router rejected its config file", "stage.sh: " + config + " is invalid");
  }

  @Test
  void theSplitOfTheLastMinuteIsShownAndLabelled() throws Exception {
    CliRun calls = CliRun.of("distribution", "--target", listen, "--no-admin", "-n", "40", "--expect", "v1=50,v2=50");
    assertThat(calls.exitCode()).as(calls.out() + calls.err()).isZero();

    Result r = stageStatus();

    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains("last load of the file", ": ok")
        .containsPattern("Observed split, calls finished per backend \\(router /clusters\\):\\R"
            + " +backend +last minute +share +since start +share")
        .containsPattern("v1 +20 +50\\.0 % +20 +50\\.0 %")
        .containsPattern("v2 +20 +50\\.0 % +20 +50\\.0 %")
        .contains("last minute = the last 50 to 60 s");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void withTheRouterStoppedTheFileIsStillCheckedAndTheRouterSaidToBeDown() throws Exception {
    router.close();
    router = null;

    Result r = stageStatus();

    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .containsPattern("v1 +weight +50 +share +50\\.0 %")
        .contains("Router: unknown (router admin at " + admin + " did not answer (connection refused); "
            + "is the router running?)");
  }
}
