package dev.siskin.client;

import dev.siskin.client.dist.ProgressBar;
import dev.siskin.client.dist.StickyKeys;
import dev.siskin.client.iris.IrisCsv;
import dev.siskin.client.iris.IrisFeatures;
import dev.siskin.client.load.LoadReport;
import dev.siskin.client.load.LoadResult;
import dev.siskin.client.load.LoadRun;
import dev.siskin.client.load.LoadSchedule;
import dev.siskin.client.load.RowCycle;
import dev.siskin.client.load.StopSignal;
import dev.siskin.proto.v1.PredictRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code load}: open-loop Predict traffic at a fixed rate, e.g. to give an automated rollout calls to judge.
 * It is a generator, not a check: failed calls are reported, not a reason to fail.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
    description = {"Send Predict calls at a fixed rate for a while (open loop: a call is started at its time "
        + "whatever the earlier ones do), then print the rate achieved, the calls sent, answered and skipped, "
        + "the finished calls by backend (x-canary-backend) and status code, and the latency of the OK calls.",
        "A call that would exceed --max-in-flight is not sent and is counted as skipped; so is one the sender "
            + "was more than 50 ms late for. Ctrl-C or SIGTERM stops sending, waits up to 2 s for the calls in "
            + "flight and prints the summary.",
        "Exit 0 when the run ended with at least one OK answer, also when other calls failed (it generates load; "
            + "it does not judge it). Exit 1 when no call was sent or none was answered OK (e.g. no server at "
            + "--target), 2 for a bad command line."},
    footer = {"", "Examples:", "  load --rate 100 --duration 30s",
        "  load --rate 50 --duration 2m --rows data/iris.csv --seed 7",
        "  load --rate 200 --duration 10m --sticky-keys 1000"})
final class LoadCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ConnectionOptions connection;

  @Mixin
  ForcedBackendOptions forced;

  @Option(names = "--rate", paramLabel = "R", required = true,
      description = "Calls started per second, e.g. 100 or 0.5.")
  double rate;

  @Option(names = "--duration", paramLabel = "DURATION", required = true,
      converter = Converters.DurationConverter.class,
      description = "How long to send, e.g. 500ms, 30s, 2m.")
  Duration duration;

  @Option(names = "--max-in-flight", paramLabel = "N", defaultValue = "1000",
      description = "Most calls in flight at once; a call due beyond it is skipped and counted "
          + "(default: ${DEFAULT-VALUE}).")
  int maxInFlight;

  @Option(names = "--rows", paramLabel = "FILE",
      description = "Iris CSV (the format of data/iris.csv) whose flowers the calls cycle through, in file order; "
          + "default: one fixed setosa flower, as the distribution check sends.")
  Path rows;

  @Option(names = "--seed", paramLabel = "SEED",
      description = "Shuffle the --rows flowers once with this seed before cycling through them.")
  Long seed;

  @Option(names = "--sticky-keys", paramLabel = "K",
      description = "Send call i with key user-(i mod K) in --sticky-header.")
  Integer stickyKeys;

  @Option(names = "--sticky-header", paramLabel = "HEADER",
      defaultValue = DistributionCommand.DEFAULT_STICKY_HEADER,
      description = "The header for --sticky-keys: the router's routing.sticky-header (default: ${DEFAULT-VALUE}).")
  String stickyHeader;

  @Override
  public Integer call() throws InterruptedException {
    LoadSchedule schedule = schedule();
    if (maxInFlight < 1) {
      throw new ParameterException(spec.commandLine(), "--max-in-flight " + maxInFlight + ": expected at least 1");
    }
    RowCycle cycle = rowCycle();
    LongFunction<Metadata> headers = headers();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    // A progress bar only on a terminal, and on stderr: stdout keeps the summary alone, for a pipe or a log.
    ProgressBar bar = System.console() != null ? new ProgressBar(err, schedule.total()) : null;
    LongConsumer progress = bar != null ? bar : issued -> { };

    ManagedChannel channel = connection.openChannel();
    LoadResult result;
    try {
      LoadRun run = new LoadRun(channel, connection.target.toString(), schedule, cycle, headers, maxInFlight,
          connection.deadline);
      try (StopSignal signal = StopSignal.install(run::stop)) {
        result = run.run(progress);
      }
    } finally {
      if (bar != null) {
        bar.clear();
      }
      ConnectionOptions.close(channel);
    }
    out.print(LoadReport.render(result, LoadRun.MAX_LATENESS));
    out.flush();
    if (result.sent() == 0) {
      throw new CliException("no call was sent: all " + (result.skippedInFlight() + result.skippedLate())
          + " were skipped (see above)");
    }
    if (result.answered() == 0) {
      throw new CliException(result.firstFailure() == null
          ? "no call was answered within the run (" + result.unfinished() + " unfinished)"
          : "no call was answered OK: " + GrpcErrors.describe("Predict", connection.target, result.firstFailure()));
    }
    return ExitCodes.OK;
  }

  private LoadSchedule schedule() {
    if (!(rate > 0) || Double.isInfinite(rate)) {
      throw new ParameterException(spec.commandLine(), "--rate " + LoadReport.plain(rate)
          + ": expected a number of calls per second greater than 0, e.g. 100");
    }
    return new LoadSchedule(rate, duration);
  }

  private RowCycle rowCycle() {
    if (rows == null) {
      if (seed != null) {
        throw new ParameterException(spec.commandLine(), "--seed shuffles the --rows flowers; give --rows FILE too");
      }
      return RowCycle.inOrder(List.of(IrisFeatures.sample()));
    }
    List<PredictRequest> requests;
    try {
      requests = IrisCsv.parse(Files.readAllLines(rows, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new ParameterException(spec.commandLine(), "--rows " + rows + ": cannot read it (" + readProblem(e) + ")");
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--rows " + rows + ": " + e.getMessage());
    }
    return seed == null ? RowCycle.inOrder(requests) : RowCycle.shuffled(requests, seed);
  }

  private static String readProblem(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof CharacterCodingException) {
      return "not UTF-8 text";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** Each call's headers: the force header of --backend, and its sticky key. */
  private LongFunction<Metadata> headers() {
    Metadata fixed = forced.headers(spec);
    StickyKeys keys;
    try {
      if (stickyKeys != null && stickyKeys < 1) {
        throw new IllegalArgumentException("--sticky-keys " + stickyKeys + ": expected at least 1 key");
      }
      keys = stickyKeys == null ? null : new StickyKeys(HeaderName.key("--sticky-header", stickyHeader), stickyKeys);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    return call -> {
      Metadata headers = new Metadata();
      headers.merge(fixed);
      if (keys != null) {
        headers.put(keys.header(), keys.keyOf(call));
      }
      return headers;
    };
  }
}
