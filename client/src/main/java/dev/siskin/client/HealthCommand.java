package dev.siskin.client;

import dev.siskin.proto.v1.HealthRequest;
import dev.siskin.proto.v1.HealthResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code health}: asks a model server (directly or through the router) whether it serves. Exit 0 only for
 * {@code ok}, the seed's word for serving (a draining server says {@code draining}), so that scripts and container
 * health checks can use the exit code alone.
 */
@Command(name = "health", mixinStandardHelpOptions = true,
    description = "Check that the target serves: exit 0 when it reports status ok, 1 otherwise.")
final class HealthCommand implements Callable<Integer> {
  static final String OK = "ok";

  @Spec
  CommandSpec spec;

  @Mixin
  ConnectionOptions connection;

  @Override
  public Integer call() {
    ManagedChannel channel = connection.openChannel();
    try {
      BackendHeader header = new BackendHeader();
      HealthResponse response = connection.stub(channel, header).health(HealthRequest.getDefaultInstance());
      PrintWriter out = spec.commandLine().getOut();
      out.printf("status   %s%nversion  %s%nbackend  %s%n", response.getStatus(), response.getModelVersion(),
          header.backend());
      out.flush();
      if (!OK.equals(response.getStatus())) {
        throw new CliException(connection.target + " reports status '" + response.getStatus() + "' (expected: ok)");
      }
      return ExitCodes.OK;
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.asCliException("Health", connection.target, e);
    } finally {
      ConnectionOptions.close(channel);
    }
  }
}
