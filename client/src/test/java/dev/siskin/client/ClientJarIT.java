package dev.siskin.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

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

  @Test
  void versionComesFromTheManifest() throws Exception {
    Result r = run("--version");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out().strip()).isEqualTo("siskin client " + RepoFiles.projectVersion());
  }
}
