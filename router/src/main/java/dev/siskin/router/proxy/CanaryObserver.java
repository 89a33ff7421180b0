package dev.siskin.router.proxy;

import dev.siskin.router.canary.SkipReason;

/**
 * What the forwarding tells the canary analysis besides each call's outcome: every primary/shadow pair once
 * both have ended, each selected call that got no shadow copy to compare, and the answer of every served
 * Predict call (for the class distribution per backend). Called from transport threads: implementations must be
 * thread-safe and must not block.
 */
public interface CanaryObserver {
  /** A pair whose primary and shadow calls have both ended (the shadow with any status, a failure included). */
  void compared(ShadowExchange exchange);

  void skipped(String shadowBackend, String fullMethod, SkipReason reason);

  /**
   * A call of {@link #OBSERVED_METHOD} that {@code backend} served with OK, and its first response message (at
   * most {@link MessageRecorder#KEPT_MESSAGE_BYTES}). Shadow copies are not reported here.
   */
  void served(String backend, byte[] response);

  /** The one method whose served answers are reported: Predict, whose answers the router can read. */
  String OBSERVED_METHOD = "mlservice.v1.PredictionService/Predict";

  /** Nothing is reported: for routers without shadow traffic and for tests. */
  CanaryObserver NONE = new CanaryObserver() {
    @Override
    public void compared(ShadowExchange exchange) {}

    @Override
    public void skipped(String shadowBackend, String fullMethod, SkipReason reason) {}

    @Override
    public void served(String backend, byte[] response) {}
  };
}
