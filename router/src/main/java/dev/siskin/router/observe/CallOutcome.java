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
    int attempts) {
  public CallOutcome {
    requireNonNull(backend, "backend");
    requireNonNull(fullMethod, "fullMethod");
    requireNonNull(code, "code");
    requireNonNull(startTime, "startTime");
    requireNonNull(peer, "peer");
  }

  /** An outcome of one attempt (no retry). */
  public CallOutcome(String backend, String fullMethod, Status.Code code, boolean routerError, Instant startTime,
      long durationNanos, long bytesIn, long bytesOut, String peer) {
    this(backend, fullMethod, code, routerError, startTime, durationNanos, bytesIn, bytesOut, peer, 1);
  }
}
