package dev.siskin.client;

import io.grpc.Metadata;

/** A request header name given on the command line, checked the way gRPC will use it. */
final class HeaderName {
  private HeaderName() {}

  /**
   * The metadata key for {@code name}.
   *
   * @throws IllegalArgumentException naming the option and what a header name may hold
   */
  static Metadata.Key<String> key(String option, String name) {
    if (name.isEmpty() || name.endsWith("-bin") || name.startsWith("grpc-")
        || !name.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
      throw new IllegalArgumentException(option + " '" + name + "': expected a lower-case header name such as "
          + "x-user-id (a-z, 0-9, '-', '_', '.'; not grpc-..., not ...-bin)");
    }
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }
}
