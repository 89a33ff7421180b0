package dev.siskin.router.proxy;

/**
 * Where shadow traffic reports: each primary/shadow pair once both have ended, and each copy that was not made
 * or not finished. Called from transport threads: implementations must be thread-safe and must not block.
 */
public interface ShadowSink {
  /** Why a selected call got no complete shadow copy. */
  enum Skip {
    /** {@code shadow.max-in-flight} copies were running already. */
    IN_FLIGHT_CAP,
    /** The shadow backend was unhealthy, ejected or being removed. */
    SHADOW_UNAVAILABLE,
    /** A retry moved the primary call to the shadow backend itself: there is nothing to compare. */
    PRIMARY_ON_SHADOW,
    /** The client cancelled the primary call, or its deadline passed before it ended. */
    PRIMARY_CANCELLED,
    /** The shadow backend could not keep up with a streaming call's messages; the copy was cancelled. */
    SHADOW_TOO_SLOW
  }

  /** A pair whose primary and shadow calls have both ended (the shadow with any status, a failure included). */
  void compared(ShadowExchange exchange);

  void skipped(String shadowBackend, String fullMethod, Skip reason);

  /** Nothing is reported: for routers without shadow traffic and for tests. */
  ShadowSink NONE = new ShadowSink() {
    @Override
    public void compared(ShadowExchange exchange) {}

    @Override
    public void skipped(String shadowBackend, String fullMethod, Skip reason) {}
  };
}
