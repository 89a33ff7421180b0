package dev.siskin.router.observe;

/**
 * Receives the life of every forwarded call. Called on gRPC transport threads, on the hot path: an
 * implementation must be thread-safe, must not block and must not throw.
 */
public interface CallListener {

  /** A call was routed to {@code backend} and is now in flight. */
  default void onCallStarted(String backend, String fullMethod) {}

  /**
   * A call that started on {@code from} is retried on {@code to}: from now on it is in flight there, and its
   * {@link #onCallFinished} names {@code to} (or a later backend).
   */
  default void onCallRerouted(String from, String to, String fullMethod) {}

  /** A call finished; for every {@link #onCallStarted} exactly one of these follows (also for router-made errors). */
  void onCallFinished(CallOutcome outcome);

  /** A client connection was closed before it could carry a call (a failed TLS handshake). */
  default void onConnectionRefused(ConnectionRefusal refusal) {}
}
