package dev.siskin.client;

import io.grpc.Metadata;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code --backend NAME} and {@code --force-header}: ask the router to send the calls to one backend. */
final class ForcedBackendOptions {
  @Option(names = "--backend", paramLabel = "NAME",
      description = "Ask the router to send the calls to this backend (sends the force header with NAME).")
  String backend;

  @Option(names = "--force-header", paramLabel = "HEADER", defaultValue = "x-canary-backend",
      description = "The router's routing.force-header (default: ${DEFAULT-VALUE}).")
  String forceHeader;

  /** The force header for {@code --backend}, or no header at all; a bad name is a usage error of {@code spec}. */
  Metadata headers(CommandSpec spec) {
    Metadata headers = new Metadata();
    if (backend == null) {
      return headers;
    }
    try {
      if (backend.isBlank()) {
        throw new IllegalArgumentException("--backend '': expected a backend name such as v2");
      }
      headers.put(HeaderName.key("--force-header", forceHeader), backend);
      return headers;
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
