package dev.siskin.client;

import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code client.jar}. Every failure ends as one {@code error: ...} line on stderr and an exit code
 * from {@link ExitCodes}; a stack trace is never what a user sees.
 */
@Command(name = "client", mixinStandardHelpOptions = true, versionProvider = ClientMain.Version.class,
    description = "Siskin command-line client: call the router or a model server and check the canary split.",
    subcommands = {PredictCommand.class, HealthCommand.class, DistributionCommand.class, ReadyCommand.class,
        StatusCommand.class, StopCheckCommand.class, LoadCommand.class})
public final class ClientMain implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /** Runs a command line with the given streams; returns the exit code. Used by main and by tests. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new ClientMain());
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler((ex, arguments) -> {
      CommandLine cmd = ex.getCommandLine();
      cmd.getErr().println("error: " + oneLine(ex.getMessage()) + " (see '" + cmd.getCommandSpec().qualifiedName()
          + " --help')");
      cmd.getErr().flush();
      return ExitCodes.USAGE;
    });
    cli.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
      String message = ex instanceof CliException
          ? ex.getMessage()
          : ex instanceof StatusRuntimeException sre
              ? GrpcErrors.statusText(sre.getStatus())
              : "unexpected " + ex; // a bug: still one line, with the type to report it by
      cmd.getErr().println("error: " + oneLine(message));
      cmd.getErr().flush();
      return ex instanceof CliException ce ? ce.exitCode() : ExitCodes.FAILED;
    });
    return cli.execute(args);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "missing command; expected one of predict, health, distribution, ready, status, stop-check, load");
  }

  private static String oneLine(String text) {
    return String.valueOf(text).replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }

  /** The version from the jar manifest, written there by the build. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = ClientMain.class.getPackage().getImplementationVersion();
      return new String[] {"siskin client " + (v == null ? "(development build)" : v)};
    }
  }
}
