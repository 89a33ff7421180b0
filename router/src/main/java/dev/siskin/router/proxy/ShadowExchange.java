package dev.siskin.router.proxy;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;

/**
 * One primary call and its shadow copy, both ended: what the comparison needs and nothing the router keeps
 * afterwards. Messages are the bytes as forwarded (never decoded here).
 *
 * @param fullMethod     the method
 * @param primaryBackend the backend whose answer the client got
 * @param shadowBackend  the backend that got the copy
 * @param request        the first request message, or null when there was none or it was over
 *                       {@link MessageRecorder#KEPT_MESSAGE_BYTES}
 * @param primary        how the primary call ended and what it answered
 * @param shadow         how the shadow call ended and what it answered
 */
public record ShadowExchange(String fullMethod, String primaryBackend, String shadowBackend, byte[] request,
    Side primary, Side shadow) {
  public ShadowExchange {
    requireNonNull(fullMethod, "fullMethod");
    requireNonNull(primaryBackend, "primaryBackend");
    requireNonNull(shadowBackend, "shadowBackend");
    requireNonNull(primary, "primary");
    requireNonNull(shadow, "shadow");
  }

  /**
   * One side's answer.
   *
   * @param code          its final status
   * @param firstResponse its first response message, or null when it sent none or it was over
   *                      {@link MessageRecorder#KEPT_MESSAGE_BYTES}
   * @param responses     how many response messages it sent
   * @param digest        SHA-256 over all its response messages in order (each prefixed by its length), so that
   *                      two answers can be compared without keeping them; null for Predict, compared decoded
   * @param durationNanos from the call's start to its end
   */
  public record Side(Status.Code code, byte[] firstResponse, int responses, byte[] digest, long durationNanos) {
    public Side {
      requireNonNull(code, "code");
    }

    /** Same status and the same response messages, byte for byte. */
    public boolean sameAnswerAs(Side other) {
      return code == other.code && responses == other.responses && digest != null
          && java.util.Arrays.equals(digest, other.digest);
    }
  }
}
