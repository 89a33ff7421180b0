package dev.siskin.client;

import dev.siskin.client.admin.AdminException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ready}: asks the router's admin endpoint whether the router itself is ready. A gRPC health call to the
 * router is forwarded to a model server, so it cannot tell whether the router is; this can, without curl
 * (which the slim runtime image does not have).
 */
@Command(name = "ready", mixinStandardHelpOptions = true,
    description = "Check the router's admin /ready: exit 0 when it answers 200, 1 otherwise.")
final class ReadyCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  AdminOptions options;

  @Override
  public Integer call() {
    int status;
    try {
      status = options.client().readyStatus();
    } catch (AdminException e) {
      throw new CliException(e.getMessage());
    }
    if (status != 200) {
      throw new CliException("router admin at " + options.admin + " is not ready (HTTP " + status + " on /ready)");
    }
    spec.commandLine().getOut().println("ready");
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }
}
