package dev.siskin.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code client.jar} run as users run it ({@code java -jar}): exit codes reach the shell, errors
 * are one line without a stack trace, and the shaded jar carries a working gRPC transport.
 */
class ClientJarIT {
  private record Result(int exitCode, String out, String err) {}

  private static Result run(String... args) throws Exception {
    Path jar = RepoFiles.root().resolve("client/target/client.jar");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).start();
    p.getOutputStream().close();
    // Both outputs are a few lines, far below a pipe buffer, so reading one after the other cannot block.
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("client.jar still running after 60 s: " + command);
    }
    return new Result(p.exitValue(), out, err);
  }

  @Test
  void targetDownExitsOneWithOneLine() throws Exception {
    String down = FreePort.address();
    Result r = run("predict", "--target", down, "5.1", "3.5", "1.4", "0.2");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err().split("\\R")).singleElement().asString()
        .startsWith("error: Predict on " + down + " failed: UNAVAILABLE");
    assertThat(r.err()).doesNotContain("\tat ", "Exception");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void badArgumentsExitTwo() throws Exception {
    Result r = run("distribution", "--expect", "v1=lots");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err().split("\\R")).singleElement().asString()
        .startsWith("error: Invalid value for option '--expect': weight 'lots' of 'v1' is not a number");
  }

  @Test
  void distributionAgainstARouterPasses() throws Exception {
    try (FakePredictionServer server = FakePredictionServer.router()) {
      Result r = run("distribution", "--target", server.target(), "-n", "100", "--expect", "v1=50,v2=50", "--no-admin");
      assertThat(r.exitCode()).as(r.err()).isZero();
      assertThat(r.out()).contains("100 ok, 0 failed").endsWith("PASS" + System.lineSeparator());
      assertThat(r.out()).as("no progress bar when stdout is not a terminal").doesNotContain("\r");
    }
  }

  /** SIGTERM (as Ctrl-C's SIGINT) ends a load run early with its summary and exit 0, not the JVM's 143. */
  @Test
  void loadStoppedBySigtermPrintsTheSummaryOfWhatWasSent(@TempDir Path dir) throws Exception {
    try (FakePredictionServer server = FakePredictionServer.router()) {
      Path jar = RepoFiles.root().resolve("client/target/client.jar");
      // To files: Process.destroy() closes the pipes, and the summary comes after the signal.
      Path outFile = dir.resolve("out.txt");
      Path errFile = dir.resolve("err.txt");
      Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
          jar.toString(), "load", "--target", server.target(), "--rate", "50", "--duration", "60s")
          .redirectOutput(outFile.toFile()).redirectError(errFile.toFile()).start();
      try {
        p.getOutputStream().close();
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (server.callsReceived() < 5 && p.isAlive() && System.nanoTime() < waitUntil) {
          Thread.sleep(20); // calls arriving: the run is sending, so its signal handlers are in place
        }
        assertThat(server.callsReceived()).as("calls reached the server").isGreaterThanOrEqualTo(5);
        p.destroy(); // SIGTERM to this PID
        assertThat(p.waitFor(15, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
        String out = Files.readString(outFile);
        String err = Files.readString(errFile);

        assertThat(p.exitValue()).as(out + err).isZero();
        assertThat(out).containsPattern("Stopped by SIGTERM after [0-9.]+ s: \\d+ planned calls were not sent")
            .containsPattern("Answered  \\d+ OK, 0 failed")
            .containsPattern("\nall +\\d+ +\\d+\n");
        long sent = Long.parseLong(out.replaceAll("(?s).*Sent +(\\d+) calls.*", "$1"));
        assertThat(sent).isBetween(5L, 2999L);
        assertThat(err).isEmpty();
      } finally {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void versionComesFromTheManifest() throws Exception {
    Result r = run("--version");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out().strip()).isEqualTo("siskin client " + RepoFiles.projectVersion());
  }
}
