package dev.siskin.router.admin.http;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Collects one request head as its bytes arrive, until the empty line that ends it. Holds at most its limit: the
 * caller offers no more than {@link #room()} bytes, so a client that never ends its head costs that and no more.
 * Empty lines before the request line are skipped, as RFC 9112 asks. Not thread-safe (the I/O thread's).
 */
final class HeadReader {
  private final int limit;
  private byte[] bytes = new byte[512];
  private int length;
  private int lineLength; // bytes of the current line other than CR
  private boolean requestLineSeen;
  private boolean complete;

  HeadReader(int limit) {
    this.limit = limit;
  }

  /** How many more bytes the head may grow by; 0 with the head incomplete means it is too large. */
  int room() {
    return limit - length;
  }

  /**
   * Takes bytes up to the end of the head and ignores the rest (the start of a body that is never read).
   *
   * @return whether the head is now complete
   */
  boolean append(ByteBuffer in) {
    while (in.hasRemaining() && !complete && length < limit) {
      byte b = in.get();
      if (!requestLineSeen && lineLength == 0 && (b == '\r' || b == '\n')) {
        continue; // leading empty lines
      }
      store(b);
      if (b == '\n') {
        complete = requestLineSeen && lineLength == 0;
        requestLineSeen = true;
        lineLength = 0;
      } else if (b != '\r') {
        lineLength++;
      }
    }
    return complete;
  }

  /** Whether the request line has ended, to tell a too-long target (414) from too-large headers (431). */
  boolean requestLineEnded() {
    return requestLineSeen;
  }

  /** The head's bytes, its last empty line included. */
  byte[] bytes() {
    return Arrays.copyOf(bytes, length);
  }

  private void store(byte b) {
    if (length == bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.min(limit, bytes.length * 2));
    }
    bytes[length++] = b;
  }
}
