package dev.siskin.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code load} against in-JVM fakes of the router on ephemeral loopback ports; each run lasts at most a second. */
class LoadCommandTest {
  /** The first group of {@code regex} in {@code text}, as a number. */
  private static long number(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as("'%s' in:%n%s", regex, text).isTrue();
    return Long.parseLong(m.group(1));
  }

  private static long sent(CliRun run) {
    return number(run.out(), "Sent +(\\d+) calls");
  }

  private static long skippedAtCap(CliRun run) {
    return number(run.out(), "Skipped +(\\d+) at the in-flight cap");
  }

  private static long skippedLate(CliRun run) {
    return number(run.out(), "at the in-flight cap \\(\\d+\\), (\\d+) more than 50 ms behind schedule");
  }

  private static long answered(CliRun run) {
    return number(run.out(), "Answered +(\\d+) OK");
  }

  private static long failed(CliRun run) {
    return number(run.out(), "Answered +\\d+ OK, (\\d+) failed");
  }

  @Test
  void sendsAtTheRateAskedForAndCountsByBackendAndCode() throws Exception {
    try (FakePredictionServer server = FakePredictionServer.router()) {
      long start = System.nanoTime();
      CliRun run = CliRun.of("load", "--target", server.target(), "--rate", "200", "--duration", "1s");
      long tookMillis = (System.nanoTime() - start) / 1_000_000;

      assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
      assertThat(run.out()).startsWith("Load on " + server.target() + ": 200 calls/s for 1 s (200 calls), at most "
          + "1000 in flight\n");
      // As fast as possible would be thousands of calls in the second; a run that ignored the duration, faster.
      assertThat(answered(run)).isBetween(150L, 200L);
      assertThat(tookMillis).as("the calls are spread over the duration").isGreaterThanOrEqualTo(950);
      assertThat(sent(run) + skippedAtCap(run) + skippedLate(run)).isEqualTo(200);
      assertThat(number(run.out(), "in [0-9.]+ s: (\\d+)\\.\\d calls/s achieved")).isBetween(150L, 210L);
      assertThat(run.out())
          .containsPattern("Latency   p50 [0-9.]+ ms, p99 [0-9.]+ ms, max [0-9.]+ ms \\(OK calls\\)")
          .containsPattern("\nbackend +OK +total\n")
          .containsPattern("\nv1 +(\\d+) +\\1\n") // the fake alternates v1/v2
          .containsPattern("\nv2 +(\\d+) +\\1\n")
          .containsPattern("\nall +" + answered(run) + " +" + answered(run) + "\n");
      assertThat(run.err()).as("no progress bar off a terminal").isEmpty();
    }
  }

  @Test
  void failedCallsShowInThePerCodeCountsAndTheRunStillExitsZero() throws Exception {
    try (FakePredictionServer server = FakePredictionServer.routerFailingEvery(10)) {
      CliRun run = CliRun.of("load", "--target", server.target(), "--rate", "200", "--duration", "500ms");

      assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
      assertThat(failed(run)).isEqualTo(sent(run) / 10).isPositive();
      assertThat(run.out())
          .containsPattern("\nbackend +OK +RESOURCE_EXHAUSTED +total\n")
          .containsPattern("\nall +" + answered(run) + " +" + failed(run) + " +" + sent(run) + "\n");
    }
  }

  @Test
  void callsOverTheInFlightCapAreSkippedAndCountedNotDelayed() throws Exception {
    try (FakePredictionServer slow = FakePredictionServer.routerAnsweringAfter(400)) {
      CliRun run = CliRun.of("load", "--target", slow.target(), "--rate", "100", "--duration", "1s",
          "--max-in-flight", "5");

      assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
      // 5 in flight, each for 400 ms: at most 5 calls start in each 400 ms of the second (an uncapped run sends 100).
      assertThat(sent(run)).isBetween(5L, 15L);
      assertThat(sent(run) + skippedAtCap(run) + skippedLate(run)).isEqualTo(100);
      assertThat(skippedAtCap(run)).isGreaterThanOrEqualTo(80);
      assertThat(run.out()).contains(" at the in-flight cap (5), ");
      assertThat(answered(run)).isEqualTo(sent(run));
    }
  }

  @Test
  void rowsAreCycledInFileOrder(@TempDir Path dir) throws Exception {
    Path csv = dir.resolve("two.csv");
    // The second flower is refused by the fake (a length <= 0), so the codes show the order in which rows were sent.
    Files.writeString(csv, "sepal_length,sepal_width,petal_length,petal_width,species\n"
        + "5.1,3.5,1.4,0.2,setosa\n-1,3.0,5.2,2.3,virginica\n");
    try (FakePredictionServer server = FakePredictionServer.router()) {
      CliRun run = CliRun.of("load", "--target", server.target(), "--rate", "100", "--duration", "500ms",
          "--rows", csv.toString());

      assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
      assertThat(run.out()).containsPattern("\nbackend +OK +INVALID_ARGUMENT +total\n");
      long ok = number(run.out(), "\nall +(\\d+) +\\d+ +\\d+\n");
      long refused = number(run.out(), "\nall +\\d+ +(\\d+) +\\d+\n");
      // Calls 0, 2, 4, ... send the first row, 1, 3, 5, ... the second: 25 each, less those not sent.
      long notSent = skippedAtCap(run) + skippedLate(run);
      assertThat(ok + refused).isEqualTo(sent(run));
      assertThat(ok).isBetween(25 - notSent, 25L);
      assertThat(refused).isBetween(25 - notSent, 25L);
    }
  }

  @Test
  void backendAndStickyKeysSendTheRoutersHeaders() throws Exception {
    try (FakePredictionServer router = FakePredictionServer.routerWithRules()) {
      CliRun forced = CliRun.of("load", "--target", router.target(), "--rate", "100", "--duration", "200ms",
          "--backend", "v2");
      assertThat(forced.exitCode()).as(forced.err()).isZero();
      assertThat(forced.out()).containsPattern("\nv2 +" + sent(forced) + " +" + sent(forced) + "\n")
          .doesNotContainPattern("\nv1 ");

      // Key user-0 ends in an even digit: the fake sends it to v1 (without it, it alternates).
      CliRun sticky = CliRun.of("load", "--target", router.target(), "--rate", "100", "--duration", "200ms",
          "--sticky-keys", "1");
      assertThat(sticky.exitCode()).as(sticky.err()).isZero();
      assertThat(sticky.out()).containsPattern("\nv1 +" + sent(sticky) + " +" + sent(sticky) + "\n")
          .doesNotContainPattern("\nv2 ");
      assertThat(sent(forced) + sent(sticky)).as("most calls sent").isGreaterThanOrEqualTo(20);
    }
  }

  @Test
  void noServerExitsOneAfterTheSummary() throws Exception {
    String down = FreePort.address();
    CliRun run = CliRun.of("load", "--target", down, "--rate", "50", "--duration", "200ms");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.FAILED);
    assertThat(run.out()).contains("Answered  0 OK, 10 failed")
        .containsPattern("\nbackend +UNAVAILABLE +total\n- +10 +10\n");
    assertThat(run.errLines()).singleElement().asString()
        .startsWith("error: no call was answered OK: Predict on " + down + " failed: UNAVAILABLE")
        .endsWith("-- is the server running and listening on that address?");
  }
}
