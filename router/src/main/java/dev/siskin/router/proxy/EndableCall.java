package dev.siskin.router.proxy;

import io.grpc.Status;

/** A forwarded call that the router can end while it runs (a rolled-back canary's long streams). */
public interface EndableCall {
  /**
   * Ends the call with {@code status} (sent to the client; the backend's side is cancelled) if {@code backend}
   * serves it now. Any thread.
   *
   * @return whether the call was served by {@code backend} and is being ended
   */
  boolean endIfServedBy(String backend, Status status);
}
