package dev.siskin.client;

import dev.siskin.client.iris.IrisFeatures;
import dev.siskin.client.stop.StopCheckResult;
import dev.siskin.client.stop.StopCheckRun;
import io.grpc.ManagedChannel;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code stop-check}: load on a target while it is being stopped, to show that stopping it loses no call.
 * It prints one line once calls are answered (the moment to stop the target), then keeps calling until the
 * target refuses connections.
 */
@Command(name = "stop-check", mixinStandardHelpOptions = true,
    description = {"Keep C Predict calls in flight until the target stops listening (a connection is refused), "
        + "at most N calls or the --max-time; stop the target once the line 'calls are answered' appears.",
        "Exit 0 when every call either succeeded or was refused before it was sent (the target had stopped), "
            + "at least one succeeded and the target did stop; 1 otherwise."},
    footer = {"", "Example:", "  stop-check --target 127.0.0.1:50051 & sleep 3; scripts/stop-local.sh; wait"})
final class StopCheckCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ConnectionOptions connection;

  @Option(names = {"-n", "--max-calls"}, paramLabel = "N", defaultValue = "100000",
      description = "Most calls to send (default: ${DEFAULT-VALUE}).")
  long maxCalls;

  @Option(names = {"-c", "--concurrency"}, paramLabel = "C", defaultValue = "8",
      description = "Calls in flight at once (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--max-time", paramLabel = "DURATION", defaultValue = "60s",
      converter = Converters.DurationConverter.class,
      description = "Longest time to keep calling (default: ${DEFAULT-VALUE}).")
  Duration maxTime;

  @Override
  public Integer call() throws InterruptedException {
    if (maxCalls < 1) {
      throw new ParameterException(spec.commandLine(), "-n " + maxCalls + ": expected at least 1 call");
    }
    if (concurrency < 1) {
      throw new ParameterException(spec.commandLine(), "-c " + concurrency + ": expected at least 1");
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf("Calling %s, %d at a time, until it refuses connections (at most %d calls and %s)%n",
        connection.target, concurrency, maxCalls, seconds(maxTime));
    out.flush();
    StopCheckResult r;
    ManagedChannel channel = connection.openChannel();
    try {
      r = new StopCheckRun(channel, IrisFeatures.sample(), maxCalls, concurrency, connection.deadline, maxTime)
          .run(() -> {
            out.println("calls are answered: stop the target now");
            out.flush();
          });
    } finally {
      ConnectionOptions.close(channel);
    }
    out.printf(Locale.ROOT, "Sent %d calls in %s: %d ok, %d refused before being sent (the target had stopped "
        + "listening), %d failed%n", r.sent(), seconds(r.elapsed()), r.succeeded(), r.refused(), r.failed());
    out.flush();
    if (r.failed() > 0) {
      String byCode = r.failedByCode().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
          .collect(Collectors.joining(", "));
      throw new CliException(r.failed() + " calls failed that were not refused before being sent (" + byCode
          + "), e.g. " + r.firstFailure());
    }
    if (r.succeeded() == 0) {
      throw new CliException("no call succeeded, so the stop was not observed under load; start stop-check while "
          + connection.target + " serves");
    }
    if (!r.targetStopped()) {
      throw new CliException(connection.target + " did not stop: no connection was refused within "
          + r.sent() + " calls and " + seconds(maxTime));
    }
    out.println("PASS: no call was lost while the target stopped");
    out.flush();
    return ExitCodes.OK;
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }
}
