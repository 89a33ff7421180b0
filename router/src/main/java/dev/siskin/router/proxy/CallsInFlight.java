package dev.siskin.router.proxy;

import io.grpc.Status;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The forwarded calls running now, so that the router can end the ones a backend serves -- a rolled-back canary's
 * long-lived streams, which would otherwise keep their clients on it for as long as they last. Thread-safe: calls
 * join and leave from transport threads, {@link #endCallsOn} runs on any thread.
 */
public final class CallsInFlight {
  private final Set<EndableCall> calls = ConcurrentHashMap.newKeySet();

  /** A call started (either forwarding core). */
  public void joined(EndableCall call) {
    calls.add(call);
  }

  /** A call ended. */
  public void left(EndableCall call) {
    calls.remove(call);
  }

  /** Calls running now. */
  public int size() {
    return calls.size();
  }

  /**
   * Ends every call that {@code backend} serves now with {@code status} (sent to the client; the backend's call is
   * cancelled). Calls that finish meanwhile are left alone.
   *
   * @return how many calls were ended
   */
  public int endCallsOn(String backend, Status status) {
    int ended = 0;
    for (EndableCall call : calls) {
      if (call.endIfServedBy(backend, status)) {
        ended++;
      }
    }
    return ended;
  }
}
