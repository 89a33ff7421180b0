package dev.siskin.router.observe;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;
import java.time.Instant;

/**
 * What became of one forwarded call, reported once when it finishes. The one record that metrics, the
 * admin endpoint, the access log and (later) automatic canary analysis all read.
 *
 * @param backend        name of the backend that served it (the last one tried, after retries); {@code "-"} when the router answered itself
 * @param fullMethod     e.g. {@code mlservice.v1.PredictionService/Predict}
 * @param code           final gRPC status code the client saw
 * @param routerError    true when the router made the status itself (no backend, message too large, ...)
 * @param startTime      wall-clock start, for logs
 * @param durationNanos  from the call's arrival at the router to its close
 * @param bytesIn        request message bytes received from the client
 * @param bytesOut       response message bytes sent to the client
 * @param peer           client address as the server transport saw it, or {@code "-"}
 * @param attempts       backends tried: 1, or more when the call was retried (0 when the router answered
 *                       without trying one)
 * @param cause          which rule of the routing chain chose {@code backend}; a retried call keeps the rule
 *                       of its first routing (the retry itself follows the same rule over the untried
 *                       backends); for a call the router answered itself, the rule that was deciding
 * @param share          {@code backend}'s share of the weights in the routing table in force when the call
 *                       was routed (after health adjustments; in panic mode the configured share), whatever
 *                       the cause: 0.0 for a backend of weight 0, and for calls no backend served
 * @param first          the first attempt: the backend the routing chose (with its share then) and the status it
 *                       ended with; for a call that was not retried, the same as {@code backend}, {@code share}
 *                       and {@code code}. The canary judge reads this one: the first choice is the random draw
 *                       with a known share, and a failure a retry hid is still the chosen backend's failure
 */
public record CallOutcome(
    String backend,
    String fullMethod,
    Status.Code code,
    boolean routerError,
    Instant startTime,
    long durationNanos,
    long bytesIn,
    long bytesOut,
    String peer,
    int attempts,
    RouteCause cause,
    double share,
    FirstAttempt first) {
  /** The backend the routing chose first for a call, its share of the weights then, and how that attempt ended. */
  public record FirstAttempt(String backend, double share, Status.Code code) {
    public FirstAttempt {
      requireNonNull(backend, "backend");
      requireNonNull(code, "code");
    }
  }

  public CallOutcome {
    requireNonNull(cause, "cause");
    if (!(share >= 0.0 && share <= 1.0)) {
      throw new IllegalArgumentException("share: " + share + " (expected: 0.0 to 1.0)");
    }
    requireNonNull(backend, "backend");
    requireNonNull(fullMethod, "fullMethod");
    requireNonNull(code, "code");
    requireNonNull(startTime, "startTime");
    requireNonNull(peer, "peer");
    requireNonNull(first, "first");
  }

  /** An outcome of a call that was not retried: the first attempt is the call. */
  public CallOutcome(String backend, String fullMethod, Status.Code code, boolean routerError, Instant startTime,
      long durationNanos, long bytesIn, long bytesOut, String peer, int attempts, RouteCause cause, double share) {
    this(backend, fullMethod, code, routerError, startTime, durationNanos, bytesIn, bytesOut, peer, attempts, cause,
        share, new FirstAttempt(backend, share, code));
  }

  /** An outcome routed by weight, without a known share (0.0): what callers before routing causes built. */
  public CallOutcome(String backend, String fullMethod, Status.Code code, boolean routerError, Instant startTime,
      long durationNanos, long bytesIn, long bytesOut, String peer, int attempts) {
    this(backend, fullMethod, code, routerError, startTime, durationNanos, bytesIn, bytesOut, peer, attempts,
        RouteCause.WEIGHT, 0.0);
  }

  /** An outcome of one attempt (no retry), routed by weight, without a known share. */
  public CallOutcome(String backend, String fullMethod, Status.Code code, boolean routerError, Instant startTime,
      long durationNanos, long bytesIn, long bytesOut, String peer) {
    this(backend, fullMethod, code, routerError, startTime, durationNanos, bytesIn, bytesOut, peer, 1);
  }
}
