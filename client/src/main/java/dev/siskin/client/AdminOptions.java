package dev.siskin.client;

import dev.siskin.client.admin.AdminClient;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options of the commands that only read the router's admin endpoint. */
final class AdminOptions {
  @Option(names = "--admin", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9901",
      converter = Converters.HostPortConverter.class,
      description = "Router admin endpoint (default: ${DEFAULT-VALUE}).")
  Target admin;

  @Option(names = "--deadline", paramLabel = "DURATION", defaultValue = "5s",
      converter = Converters.DurationConverter.class,
      description = "How long to wait for each answer (default: ${DEFAULT-VALUE}).")
  Duration deadline;

  AdminClient client() {
    return new AdminClient(admin, deadline);
  }
}
