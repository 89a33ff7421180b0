package dev.siskin.client;

import dev.siskin.client.admin.AdminClient;
import dev.siskin.client.admin.AdminException;
import dev.siskin.client.admin.ClusterView;
import dev.siskin.client.admin.RouterConfig;
import dev.siskin.client.dist.DistributionResult;
import dev.siskin.client.dist.DistributionRun;
import dev.siskin.client.dist.ExpectedShares;
import dev.siskin.client.dist.ProgressBar;
import dev.siskin.client.dist.SplitCheck;
import dev.siskin.client.dist.SplitReport;
import dev.siskin.client.dist.StickyKeys;
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
 *
 * <p>With {@code --sticky-keys K} every call carries one of K keys in the router's sticky header: the run checks
 * that each key stayed on one backend and tests the split of the <em>keys</em> against the weights (the calls of
 * one key all go where the key goes, so they are not independent draws; the keys are).
 */
@Command(name = "distribution", mixinStandardHelpOptions = true,
    description = {"Send N Predict calls, count them by backend (x-canary-backend) and model_version, and test the "
        + "split against the configured weights with a chi-square goodness-of-fit test.",
        "Exit 0 when every call succeeded and the split is plausible (p >= 0.001), 1 otherwise.",
        "With --sticky-keys K: also exit 1 when a key was served by more than one backend."},
    footer = {"", "Examples:", "  distribution -n 2000", "  distribution -n 1000 -c 32 --expect v1=50,v2=50",
        "  distribution -n 10000 --sticky-keys 1000"})
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

  @Option(names = "--admin-token-file", paramLabel = "FILE", defaultValue = "${env:SISKIN_ADMIN_TOKEN_FILE}",
      description = "A file holding the router's admin token; default: $SISKIN_ADMIN_TOKEN_FILE, else none.")
  java.nio.file.Path adminTokenFile;

  @Mixin
  AdminTlsOptions adminTls;

  @Option(names = "--no-admin", description = "Do not ask the router admin endpoint (e.g. when calling a model server directly).")
  boolean noAdmin;

  @Option(names = "--sticky-keys", paramLabel = "K",
      description = "Send call i with key user-(i mod K) in the sticky header; check that every key stayed on one "
          + "backend and test the split of keys against the weights.")
  Integer stickyKeys;

  @Option(names = "--sticky-header", paramLabel = "HEADER",
      description = "The header for --sticky-keys (default: the router's routing.sticky-header from the admin "
          + "endpoint's /config; " + DEFAULT_STICKY_HEADER + " when the admin endpoint is not asked or does not answer).")
  String stickyHeader;

  private AdminClient adminClient() {
    return new AdminClient(admin, Duration.ofSeconds(2), AdminTokens.read(adminTokenFile), adminTls.context());
  }

  /** The header Siskin's docs use for sticky keys. */
  static final String DEFAULT_STICKY_HEADER = "x-user-id";

  @Override
  public Integer call() throws InterruptedException {
    if (calls < 1) {
      throw new ParameterException(spec.commandLine(), "-n " + calls + ": expected at least 1 call");
    }
    if (concurrency < 1) {
      throw new ParameterException(spec.commandLine(), "-c " + concurrency + ": expected at least 1");
    }
    PrintWriter out = spec.commandLine().getOut();
    StickyKeys keys = stickyKeys == null ? null : stickyKeys(out);
    ClusterView configured = null;
    String adminProblem = "--no-admin was given";
    if (!noAdmin) {
      try {
        configured = adminClient().clusters();
      } catch (AdminException e) {
        adminProblem = e.getMessage();
      }
    }

    DistributionResult result = runCalls(out, keys);
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
      SplitCheck.Verdict verdict = result.keys() == null
          ? SplitCheck.check(result, expected, SplitCheck.DEFAULT_ALPHA)
          : SplitCheck.check(result.keys().keysByBackend(), result.versionsByBackend(), expected,
              SplitCheck.DEFAULT_ALPHA);
      out.print(SplitReport.table(verdict, result.keys() == null ? "calls" : "keys"));
      out.println();
      out.print(SplitReport.testLine(verdict));
      if (!verdict.unexpected().isEmpty()) {
        out.println("Calls landed on backend(s) " + verdict.unexpected() + " whose expected share is 0.");
      }
      plausible = verdict.plausible();
    }
    if (result.keys() != null) {
      out.print(SplitReport.keysLine(result.keys(), calls));
    }
    out.flush();

    if (result.failed() > 0) {
      throw new CliException(result.failed() + " of " + result.sent() + " calls failed (" + SplitReport.failures(result)
          + "), e.g. " + result.firstFailure() + (plausible ? "" : "; and the split is implausible"));
    }
    if (result.keys() != null && !result.keys().everyKeyStayed()) {
      throw new CliException(result.keys().splitCount() + " of " + result.keys().keys() + " sticky keys were served "
          + "by more than one backend (see above)" + (plausible ? "" : "; and the split is implausible"));
    }
    if (!plausible) {
      throw new CliException("the observed split does not fit " + expected.describe() + " (see the table above)");
    }
    out.println(expected == null ? "PASS: every call succeeded (the split itself was not tested)" : "PASS");
    out.flush();
    return ExitCodes.OK;
  }

  /**
   * The keys for {@code --sticky-keys}, in {@code --sticky-header}, else in the router's sticky header as its
   * /config reports it; refuses when the router has none (the check would only show the weights' split).
   */
  private StickyKeys stickyKeys(PrintWriter out) {
    if (stickyKeys < 1 || stickyKeys > calls) {
      throw new ParameterException(spec.commandLine(), "--sticky-keys " + stickyKeys + ": expected 1 to -n ("
          + calls + ") keys, so that every key is sent");
    }
    String header = stickyHeader;
    String source = "--sticky-header";
    if (header == null) {
      header = DEFAULT_STICKY_HEADER;
      source = "default; --no-admin was given";
      if (!noAdmin) {
        try {
          RouterConfig.Routing routing = adminClient().config().routing();
          if (routing == null) {
            source = "default; the router admin /config does not report routing rules";
          } else if (routing.stickyHeader().isEmpty()) {
            throw new CliException("the router (admin " + admin + ") does not route by a sticky key: its "
                + "routing.sticky-header is off; set it in canary.conf (e.g. sticky-header = \"" + DEFAULT_STICKY_HEADER
                + "\"), or pass --sticky-header to send the keys anyway");
          } else {
            header = routing.stickyHeader();
            source = "router admin /config";
          }
        } catch (AdminException e) {
          source = "default; " + e.getMessage();
        }
      }
    }
    try {
      StickyKeys keys = new StickyKeys(HeaderName.key("--sticky-header", header), stickyKeys);
      out.println("Sticky header " + header + " (" + source + ")");
      return keys;
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private DistributionResult runCalls(PrintWriter out, StickyKeys keys) throws InterruptedException {
    // A progress bar only on a terminal: in a log or a pipe the carriage returns would be noise.
    LongConsumer progress = System.console() != null ? new ProgressBar(out, calls) : done -> { };
    ManagedChannel channel = connection.openChannel();
    try {
      return new DistributionRun(channel, IrisFeatures.sample(), calls, concurrency,
          connection.deadline, keys).run(progress);
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
