package dev.siskin.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Router down and bad arguments: one clear line on stderr, the documented exit code, no stack trace. */
class ErrorPathsTest {
  @Test
  void targetDownIsOneLineAndExitOne() throws Exception {
    String down = FreePort.address();
    for (String[] args : new String[][] {
        {"predict", "--target", down, "5.1", "3.5", "1.4", "0.2"},
        {"health", "--target", down},
        {"distribution", "--target", down, "-n", "20", "--expect", "v1=90,v2=10", "--no-admin"}}) {
      CliRun run = CliRun.of(args);
      assertThat(run.exitCode()).as(args[0]).isEqualTo(ExitCodes.FAILED);
      assertThat(run.errLines()).as(args[0]).hasSize(1);
      assertThat(run.err()).as(args[0])
          .startsWith("error: ")
          .contains(down, "UNAVAILABLE", "is the server running and listening on that address?")
          .doesNotContain("\tat ", "Exception");
      assertThat(run.out()).as(args[0]).isEmpty();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "predict 5.1 abc 1.4 0.2|error: feature 'sepal_width': 'abc' is not a number (expected cm, e.g. 5.1) (see 'client predict --help')",
      "predict 5.1 3.5 1.4|error: expected 4 values (sepal_length sepal_width petal_length petal_width), got 3: 5.1 3.5 1.4 (see 'client predict --help')",
      "predict|error: no features given; expected 4 values (sepal_length sepal_width petal_length petal_width) or --feature NAME=VALUE for each (see 'client predict --help')",
      "predict --target nohost 1 2 3 4|error: Invalid value for option '--target': 'nohost': expected HOST:PORT such as 127.0.0.1:50051, or a gRPC target URI such as dns:///router:50051 (see 'client predict --help')",
      "distribution --expect v1:90|error: Invalid value for option '--expect': 'v1:90' in 'v1:90': expected NAME=WEIGHT[,NAME=WEIGHT...] such as v1=90,v2=10 (see 'client distribution --help')",
      "distribution -n 0|error: -n 0: expected at least 1 call (see 'client distribution --help')",
      "distribution -c 0|error: -c 0: expected at least 1 (see 'client distribution --help')",
      "distribution --deadline 5|error: Invalid value for option '--deadline': '5': expected a duration such as 500ms, 5s or 1m (see 'client distribution --help')",
      "distribution --bogus|error: Unknown option: '--bogus' (see 'client distribution --help')",
      "load --rate 0 --duration 1s|error: --rate 0: expected a number of calls per second greater than 0, e.g. 100 (see 'client load --help')",
      "load --rate -2.5 --duration 1s|error: --rate -2.5: expected a number of calls per second greater than 0, e.g. 100 (see 'client load --help')",
      "load --rate 10 --duration 0s|error: Invalid value for option '--duration': '0s': expected a duration of at least 1ms (see 'client load --help')",
      "load --rate 10|error: Missing required option: '--duration=DURATION' (see 'client load --help')",
      "load --rate 10 --duration 1s --max-in-flight 0|error: --max-in-flight 0: expected at least 1 (see 'client load --help')",
      "load --rate 10 --duration 1s --rows no-such.csv|error: --rows no-such.csv: cannot read it (no such file) (see 'client load --help')",
      "load --rate 10 --duration 1s --seed 7|error: --seed shuffles the --rows flowers; give --rows FILE too (see 'client load --help')",
      "load --rate 10 --duration 1s --sticky-keys 0|error: --sticky-keys 0: expected at least 1 key (see 'client load --help')",
      "frobnicate|error: Unmatched argument at index 0: 'frobnicate' (see 'client --help')",
      "|error: missing command; expected one of predict, health, distribution, ready, status, stop-check, load (see 'client --help')"})
  void badArgumentsAreUsageErrors(String spec) {
    String[] parts = spec.split("\\|", 2);
    String[] args = parts[0].isEmpty() ? new String[0] : parts[0].split(" ");
    CliRun run = CliRun.of(args);
    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.errLines()).containsExactly(parts[1]);
    assertThat(run.out()).isEmpty();
  }
}
