package dev.siskin.router.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.zip.GZIPInputStream;

/**
 * One side of a shadowed call, as it goes: the first message kept when it is small, and -- for methods compared
 * on their bytes -- every message folded into a digest (Predict answers are compared decoded, so they get none:
 * two SHA-256 runs per copy are a cost worth sparing on the one method shadowed by default).
 *
 * <p>Messages come in pieces as the frame core reads them off DATA frames ({@link #begin}, {@link #bytes},
 * {@link #end}), so that a large message is digested without being held. A message
 * that came compressed is digested as sent and kept decompressed when its encoding is gzip (grpc-java's one
 * built-in codec); one in another encoding is not kept.
 *
 * <p>Not thread-safe: each side's messages arrive on one thread at a time; the owner publishes the result under
 * its lock.
 */
public final class MessageRecorder {
  /** Messages up to this size are kept for the comparison (a Predict request or answer is some 100 bytes). */
  public static final int KEPT_MESSAGE_BYTES = 64 * 1024;
  /** Looked up once: getInstance searches the providers, a clone of a fresh digest does not. */
  private static final MessageDigest PROTOTYPE = sha256();

  private final MessageDigest digest;
  private byte[] first;
  private int count;
  /** The first message while it arrives in pieces; null when it is not kept. */
  private byte[] filling;
  private int filled;

  /** @param digesting whether the messages are folded into a digest ({@link ShadowExchange.Side#digest()}) */
  public MessageRecorder(boolean digesting) {
    this.digest = digesting ? copy() : null;
  }

  /** A message of {@code length} bytes starts; its bytes follow in {@link #bytes}, then {@link #end}. */
  public void begin(int length) {
    filling = count == 0 && length <= KEPT_MESSAGE_BYTES ? new byte[length] : null;
    filled = 0;
    if (digest != null) {
      digestLength(length);
    }
  }

  /** The next piece of the message begun last. */
  public void bytes(ByteBuffer piece) {
    if (filling != null) {
      int n = Math.min(piece.remaining(), filling.length - filled);
      piece.duplicate().get(filling, filled, n);
      filled += n;
    }
    if (digest != null) {
      digest.update(piece);
    }
  }

  /**
   * The message begun last is complete.
   *
   * @param compressed whether its gRPC frame said compressed
   * @param encoding   the stream's grpc-encoding, or null
   */
  public void end(boolean compressed, CharSequence encoding) {
    if (filling != null) {
      first = compressed ? gunzip(filling, encoding) : filling;
      filling = null;
    }
    count++;
  }

  /**
   * Whether the bytes of the message begun last are wanted (kept or digested); when not, a reader need not hand
   * them over.
   */
  public boolean wantsBytes() {
    return filling != null || digest != null;
  }

  /** Messages so far. */
  public int count() {
    return count;
  }

  /** The first message, or null (none yet, over {@link #KEPT_MESSAGE_BYTES}, or in an unknown encoding). */
  public byte[] first() {
    return first;
  }

  public ShadowExchange.Side end(io.grpc.Status.Code code, long durationNanos) {
    return new ShadowExchange.Side(code, first, count, digest == null ? null : digest.digest(), durationNanos);
  }

  private void digestLength(int n) {
    digest.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
  }

  /** The message decompressed, at most {@link #KEPT_MESSAGE_BYTES} of it; null when it cannot be. */
  private static byte[] gunzip(byte[] compressed, CharSequence encoding) {
    if (encoding == null || !"gzip".contentEquals(encoding)) {
      return null;
    }
    try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(compressed))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      for (int n; (n = in.read(buf)) > 0; ) {
        out.write(buf, 0, n);
        if (out.size() > KEPT_MESSAGE_BYTES) {
          return null;
        }
      }
      return out.toByteArray();
    } catch (IOException e) {
      return null; // not gzip after all: the comparison counts it as an answer that does not parse
    }
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
