package dev.siskin.router.proxy;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * One side of a shadowed call, as it goes: the first response message kept when it is small, and -- for methods
 * compared on their bytes -- every message folded into a digest (Predict answers are compared decoded, so they
 * get none: two SHA-256 runs per copy are a cost worth sparing on the one method shadowed by default). Not thread-safe: each side's messages arrive on one thread at a time; the owner publishes
 * the result under its lock.
 */
final class ResponseRecorder {
  /** Looked up once: getInstance searches the providers, a clone of a fresh digest does not. */
  private static final MessageDigest PROTOTYPE = sha256();

  private final MessageDigest digest;
  private byte[] first;
  private int count;

  /** @param digesting whether the messages are folded into a digest ({@link ShadowExchange.Side#digest()}) */
  ResponseRecorder(boolean digesting) {
    this.digest = digesting ? copy() : null;
  }

  void add(byte[] message) {
    if (count == 0 && message.length <= ShadowCall.KEPT_MESSAGE_BYTES) {
      first = message; // the router never changes a message once received: no copy needed
    }
    count++;
    if (digest == null) {
      return;
    }
    int n = message.length;
    digest.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
    digest.update(message);
  }

  ShadowExchange.Side end(io.grpc.Status.Code code, long durationNanos) {
    return new ShadowExchange.Side(code, first, count, digest == null ? null : digest.digest(), durationNanos);
  }

  private static MessageDigest copy() {
    try {
      return (MessageDigest) PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      return sha256(); // a provider whose digest cannot be cloned: look it up per call
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
