package dev.siskin.router.proxy;

import dev.siskin.router.canary.SkipReason;
import io.grpc.Status;

/**
 * The two ends of one shadowed call -- the primary's and the copy's -- paired once both are in, and reported once:
 * as a {@link ShadowExchange} to compare, or as the reason there is nothing to compare.
 *
 * <p>Thread-safe: the primary's and the copy's ends may arrive on different threads; all state is under
 * {@code this}, and the report is made outside the lock.
 */
public final class ShadowPair {
  private final ShadowTraffic traffic;
  private final String fullMethod;
  private final String shadowBackend;
  private ShadowExchange.Side primaryEnd;
  private String primaryBackend;
  private ShadowExchange.Side shadowEnd;
  private SkipReason skip;
  private boolean reported;
  private byte[] firstRequest;

  public ShadowPair(ShadowTraffic traffic, String fullMethod, String shadowBackend) {
    this.traffic = traffic;
    this.fullMethod = fullMethod;
    this.shadowBackend = shadowBackend;
  }

  /** The first request message, kept for the disagreement log (at most {@link MessageRecorder#KEPT_MESSAGE_BYTES}). */
  public synchronized void firstRequest(byte[] message) {
    firstRequest = message;
  }

  /**
   * Marks the pair as having nothing to compare. Only the first reason counts, and none once reported.
   *
   * @return whether this call gave the reason (the caller then cancels the copy)
   */
  public synchronized boolean abandon(SkipReason reason) {
    if (skip != null || reported) {
      return false;
    }
    skip = reason;
    return true;
  }

  /**
   * The primary ended. A primary that the client gave up on (or that timed out), or that ended up on the shadow
   * backend itself, leaves nothing to compare.
   *
   * @return the reason the copy is now abandoned (the caller cancels it), or null
   */
  public SkipReason primaryEnded(String servedBy, Status.Code code, ShadowExchange.Side end) {
    SkipReason abandoned = null;
    if (code == Status.Code.CANCELLED || code == Status.Code.DEADLINE_EXCEEDED) {
      abandoned = abandon(SkipReason.PRIMARY_CANCELLED) ? SkipReason.PRIMARY_CANCELLED : null;
    } else if (servedBy.equals(shadowBackend)) {
      abandoned = abandon(SkipReason.PRIMARY_ON_SHADOW) ? SkipReason.PRIMARY_ON_SHADOW : null;
    }
    synchronized (this) {
      primaryEnd = end;
      primaryBackend = servedBy;
    }
    reportIfBothEnded();
    return abandoned;
  }

  /** The copy ended (with any status, a failure included). */
  public void shadowEnded(ShadowExchange.Side end) {
    synchronized (this) {
      shadowEnd = end;
    }
    reportIfBothEnded();
  }

  private void reportIfBothEnded() {
    ShadowExchange exchange = null;
    SkipReason skipped;
    synchronized (this) {
      if (reported || primaryEnd == null || shadowEnd == null) {
        return;
      }
      reported = true;
      skipped = skip;
      if (skipped == null) {
        exchange = new ShadowExchange(fullMethod, primaryBackend, shadowBackend, firstRequest, primaryEnd, shadowEnd);
      }
    }
    if (exchange != null) {
      traffic.sink().compared(exchange);
    } else {
      traffic.sink().skipped(shadowBackend, fullMethod, skipped);
    }
  }
}
