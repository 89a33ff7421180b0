package dev.siskin.router.proxy;

import dev.siskin.router.route.Selection;
import io.grpc.Status;

/**
 * Statuses the router makes itself. Each description starts with {@code "siskin router: "}, so a client can
 * tell them from its backend's own statuses, which the router passes on unchanged.
 */
public final class RouterErrors {
  public static final String PREFIX = "siskin router: ";

  private RouterErrors() {}

  public static Status noBackend(String fullMethod, boolean panic) {
    Status status = Status.UNAVAILABLE.withDescription(PREFIX + "no backend available for " + fullMethod
        + " (every backend is draining or the routing table is empty)");
    return panic ? inPanic(status) : status;
  }

  /** The picked backend has its maximum of calls in flight; the call is refused at once rather than queued. */
  public static Status overloaded(String fullMethod, String backend, int maxInFlight) {
    return Status.RESOURCE_EXHAUSTED.withDescription(PREFIX + "backend " + backend + " has " + maxInFlight
        + " calls in flight, its limit (router.max-in-flight-per-backend or backends." + backend
        + ".max-in-flight); " + fullMethod + " was not sent, try again later");
  }

  /** Why the routing step admitted no backend for a call of {@code fullMethod}. */
  public static Status refused(Selection selection, String fullMethod) {
    return switch (selection.refusal()) {
      case OVERLOADED -> overloaded(fullMethod, selection.backend().name(), selection.backend().maxInFlight());
      case UNKNOWN_BACKEND -> unknownBackend(selection.reason());
      default -> noBackend(fullMethod, selection.panic());
    };
  }

  /**
   * The router could not get an answer from {@code backend} at {@code address} ({@code host:port}); {@code detail}
   * says what happened (cannot connect, connection lost, no keepalive answer, ...).
   */
  public static Status backendFailed(String backend, String address, String detail) {
    return Status.UNAVAILABLE.withDescription(PREFIX + "backend " + backend + " (" + address + "): " + detail);
  }

  /** The force header named no backend; {@code reason} says what was sent and what may be. */
  public static Status unknownBackend(String reason) {
    return Status.INVALID_ARGUMENT.withDescription(PREFIX + reason);
  }

  /** Adds to a router-made status of a forced call why no other backend was tried. */
  public static Status forced(Status status) {
    return status.withDescription(status.getDescription() + " [forced by the request's routing.force-header: "
        + "a forced call is never sent to another backend]");
  }

  /** A call that came without a deadline ran out of the router's default one. */
  public static Status defaultDeadlineExceeded(String backend, java.time.Duration deadline) {
    return Status.DEADLINE_EXCEEDED.withDescription(PREFIX + "backend " + backend + " did not answer within "
        + "router.default-deadline (" + deadline.toMillis() + " ms), which applies to calls sent without a deadline");
  }

  /** Adds to a router-made status that no backend was healthy when the call was routed. */
  public static Status inPanic(Status status) {
    return status.withDescription(status.getDescription() + " [panic mode: no backend is healthy, so calls go "
        + "to every backend by its configured weight]");
  }
}
