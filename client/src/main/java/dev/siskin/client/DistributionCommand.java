package dev.siskin.client;

import dev.siskin.client.admin.AdminClient;
import dev.siskin.client.admin.AdminException;
import dev.siskin.client.admin.ClusterView;
import dev.siskin.client.dist.DistributionResult;
import dev.siskin.client.dist.DistributionRun;
import dev.siskin.client.dist.ExpectedShares;
import dev.siskin.client.dist.ProgressBar;
import dev.siskin.client.dist.SplitCheck;
import dev.siskin.client.dist.SplitReport;
import dev.siskin.client.iris.IrisFeatures;
import io.grpc.ManagedChannel;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.LongConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code distribution}: sends N Predict calls and tests whether the split over backends fits the weights.
 *
 * <p>The expected split is {@code --expect} when given (an explicit claim is never silently replaced), else what
 * the router's admin endpoint reports; when both exist and differ, the report says so.
 */
@Command(name = "distribution", mixinStandardHelpOptions = true,
    description = {"Send N Predict calls, count them by backend (x-canary-backend) and model_version, and test the "
        + "split against the configured weights with a chi-square goodness-of-fit test.",
        "Exit 0 when every call succeeded and the split is plausible (p >= 0.001), 1 otherwise."},
    footer = {"", "Examples:", "  distribution -n 2000", "  distribution -n 1000 -c 32 --expect v1=50,v2=50"})
final class DistributionCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ConnectionOptions connection;

  @Option(names = {"-n", "--calls"}, paramLabel = "N", defaultValue = "1000",
      description = "Number of Predict calls (default: ${DEFAULT-VALUE}).")
  int calls;

  @Option(names = {"-c", "--concurrency"}, paramLabel = "C", defaultValue = "16",
      description = "Calls in flight at once (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--expect", paramLabel = "NAME=WEIGHT,...", converter = Converters.ExpectConverter.class,
      description = "Expected weights per backend, e.g. v1=90,v2=10; default: read from the router admin endpoint.")
  ExpectedShares expect;

  @Option(names = "--admin", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9901",
      converter = Converters.HostPortConverter.class,
      description = "Router admin endpoint to read the configured weights from (default: ${DEFAULT-VALUE}).")
  Target admin;

  @Option(names = "--no-admin", description = "Do not ask the router admin endpoint (e.g. when calling a model server directly).")
  boolean noAdmin;

  @Override
  public Integer call() throws InterruptedException {
    if (calls < 1) {
      throw new ParameterException(spec.commandLine(), "-n " + calls + ": expected at least 1 call");
    }
    if (concurrency < 1) {
      throw new ParameterException(spec.commandLine(), "-c " + concurrency + ": expected at least 1");
    }
    PrintWriter out = spec.commandLine().getOut();
    ClusterView configured = null;
    String adminProblem = "--no-admin was given";
    if (!noAdmin) {
      try {
        configured = new AdminClient(admin, Duration.ofSeconds(2)).clusters();
      } catch (AdminException e) {
        adminProblem = e.getMessage();
      }
    }

    DistributionResult result = runCalls(out);
    if (result.unreachable()) {
      throw new CliException("Predict on " + connection.target + " failed for all " + result.sent() + " calls: "
          + result.firstFailure() + " -- is the server running and listening on that address?");
    }

    out.print(SplitReport.headline(result, connection.target.toString(), concurrency));
    ExpectedShares expected = expect != null ? expect : configured == null ? null : configured.weights();
    boolean plausible = true;
    if (expected == null) {
      out.println("No expected split to test against: " + adminProblem + ", and no --expect was given. Observed only:");
      out.println();
      out.print(SplitReport.observedTable(result));
    } else {
      out.println("Expected split " + expected.describe() + " (from " + source(expected, configured) + ")");
      if (expect != null && configured != null && !expect.sameSplitAs(configured.weights())) {
        out.println("Note: the router admin reports " + configured.weights().describe()
            + ", which differs from --expect; testing against --expect.");
      }
      out.println();
      SplitCheck.Verdict verdict = SplitCheck.check(result, expected, SplitCheck.DEFAULT_ALPHA);
      out.print(SplitReport.table(verdict));
      out.println();
      out.print(SplitReport.testLine(verdict));
      if (!verdict.unexpected().isEmpty()) {
        out.println("Calls landed on backend(s) " + verdict.unexpected() + " whose expected share is 0.");
      }
      plausible = verdict.plausible();
    }
    out.flush();

    if (result.failed() > 0) {
      throw new CliException(result.failed() + " of " + result.sent() + " calls failed (" + SplitReport.failures(result)
          + "), e.g. " + result.firstFailure() + (plausible ? "" : "; and the split is implausible"));
    }
    if (!plausible) {
      throw new CliException("the observed split does not fit " + expected.describe() + " (see the table above)");
    }
    out.println(expected == null ? "PASS: every call succeeded (the split itself was not tested)" : "PASS");
    out.flush();
    return ExitCodes.OK;
  }

  private DistributionResult runCalls(PrintWriter out) throws InterruptedException {
    // A progress bar only on a terminal: in a log or a pipe the carriage returns would be noise.
    LongConsumer progress = System.console() != null ? new ProgressBar(out, calls) : done -> { };
    ManagedChannel channel = connection.target.openChannel();
    try {
      return new DistributionRun(channel, IrisFeatures.sample(), calls, concurrency,
          connection.deadline).run(progress);
    } finally {
      ConnectionOptions.close(channel);
    }
  }

  private static String source(ExpectedShares expected, ClusterView configured) {
    if (configured != null && expected == configured.weights()) {
      return configured.weights().source() + (configured.generation() >= 0 ? ", generation " + configured.generation() : "");
    }
    return expected.source();
  }
}
