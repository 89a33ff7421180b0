package dev.siskin.router.proxy;

import io.grpc.Status;

/**
 * Statuses the router makes itself. Each description starts with {@code "siskin router: "}, so a client can
 * tell them from its backend's own statuses, which the router passes on unchanged.
 */
final class RouterErrors {
  static final String PREFIX = "siskin router: ";

  private RouterErrors() {}

  static Status noBackend(String fullMethod) {
    return Status.UNAVAILABLE.withDescription(PREFIX + "no backend available for " + fullMethod
        + " (every backend is draining or the routing table is empty)");
  }

  /**
   * Rewords a status that the router's own channel produced instead of receiving it from the backend, or
   * returns null when it came from the backend.
   *
   * <p>grpc-java attaches the local cause (connect refused, I/O error, ...) only to statuses it made on this
   * side; a status read from the wire never has one. The one local status without a cause is the inbound
   * size check, recognisable by the router's own limit in its text -- a backend cannot produce that text for
   * a message the router let through, as the router applies the same limit to requests first.
   */
  static Status fromRouterChannel(Status status, String backend, String target, int maxMessageBytes) {
    if (status.getCause() != null) {
      return status.withDescription(PREFIX + "backend " + backend + " (" + target + "): "
          + (status.getDescription() == null ? status.getCode() : status.getDescription()));
    }
    if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED && status.getDescription() != null
        && status.getDescription().startsWith("gRPC message exceeds maximum size " + maxMessageBytes)) {
      return status.withDescription(PREFIX + "response message from backend " + backend
          + " is larger than router.max-message-bytes (" + status.getDescription() + ")");
    }
    return null;
  }
}
