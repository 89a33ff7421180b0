package dev.siskin.router.observe;

/**
 * Receives the life of every forwarded call. Called on gRPC transport threads, on the hot path: an
 * implementation must be thread-safe, must not block and must not throw.
 */
public interface CallListener {

  /** A call was routed to {@code backend} and is now in flight. */
  default void onCallStarted(String backend, String fullMethod) {}

  /** A call finished; for every {@link #onCallStarted} exactly one of these follows (also for router-made errors). */
  void onCallFinished(CallOutcome outcome);
}
