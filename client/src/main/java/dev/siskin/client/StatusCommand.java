package dev.siskin.client;

import dev.siskin.client.admin.AdminClient;
import dev.siskin.client.admin.AdminException;
import dev.siskin.client.admin.BackendActivity;
import dev.siskin.client.admin.RouterConfig;
import dev.siskin.client.admin.CanaryStatus;
import dev.siskin.client.status.StatusReport;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code status}: what the router serves and whether it took the latest version of its config file, from its admin
 * endpoint. scripts/stage.sh status calls it after checking the file itself.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = {"Show the router's config in force, whether its last load of the file was rejected (and why), "
        + "the weights in force and the split of calls over the last minute and since start.",
        "Exit 0 when the router's last load of its file was applied, 1 when it rejected the file or does not "
            + "answer."})
final class StatusCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  AdminOptions options;

  @Option(names = "--allow-down",
      description = "When the admin endpoint does not answer, say so and exit 0 (the router need not run).")
  boolean allowDown;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    AdminClient client = options.client();
    RouterConfig config;
    List<BackendActivity> activity;
    try {
      config = client.config();
      activity = client.activity();
    } catch (AdminException e) {
      if (allowDown && e.unreachable()) {
        out.println("Router: unknown (" + e.getMessage() + "; is the router running?)");
        out.flush();
        return ExitCodes.OK;
      }
      throw new CliException(e.getMessage());
    }
    Optional<CanaryStatus> canary;
    try {
      canary = client.canary();
    } catch (AdminException e) {
      canary = Optional.empty(); // the comparison and the rollout are extra: their absence must not fail the status
    }
    out.print(StatusReport.render(options.admin.toString(), config, activity, canary));
    out.flush();
    if (!config.lastAttempt().ok()) {
      throw new CliException("the router rejected its config file: " + config.lastAttempt().error()
          + " (it serves config generation " + config.generation() + ", applied "
          + StatusReport.time(config.appliedAt()) + ")");
    }
    return ExitCodes.OK;
  }
}
