package dev.siskin.client;

import dev.siskin.client.admin.AdminClient;
import java.time.Duration;
import picocli.CommandLine.Mixin;
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

  @Option(names = "--admin-token-file", paramLabel = "FILE", defaultValue = "${env:SISKIN_ADMIN_TOKEN_FILE}",
      description = "A file holding the router's admin token (its router.admin-token-file); default: "
          + "$SISKIN_ADMIN_TOKEN_FILE, else none.")
  java.nio.file.Path tokenFile;

  @Mixin
  AdminTlsOptions tls;

  AdminClient client() {
    return new AdminClient(admin, deadline, AdminTokens.read(tokenFile), tls.context());
  }
}
