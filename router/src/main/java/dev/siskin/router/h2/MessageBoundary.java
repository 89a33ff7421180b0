package dev.siskin.router.h2;

import io.netty.buffer.ByteBuf;

/**
 * Follows one direction of a stream's DATA just far enough to know whether what has passed ends between two gRPC
 * messages (each a 5-byte prefix -- compressed flag, 32-bit length -- and its bytes). When the router must end a
 * call whose answer has started, trailers carry its status only there: a client that has half a message reads
 * trailers as "end-of-stream mid-frame" (INTERNAL), whatever they say. It reads the prefixes' length bytes and
 * skips the rest, leaving the frames' reader indexes as they are.
 *
 * <p>Event-loop confined, like the call it follows.
 */
final class MessageBoundary {
  private static final int PREFIX = 5;

  /** Bytes of the current prefix seen (0 between messages and inside one's body). */
  private int prefixRead;
  private long length;
  /** Bytes left of the current message's body. */
  private long remaining;

  /** Follows one DATA frame's bytes. */
  void read(ByteBuf data) {
    int i = data.readerIndex();
    int end = data.writerIndex();
    while (i < end) {
      if (remaining > 0) {
        int n = (int) Math.min(remaining, end - i);
        i += n;
        remaining -= n;
        continue;
      }
      int b = data.getByte(i++) & 0xff;
      if (prefixRead > 0) { // byte 0 is the compressed flag
        length = length << 8 | b;
      }
      if (++prefixRead == PREFIX) {
        remaining = length;
        prefixRead = 0;
        length = 0;
      }
    }
  }

  /** Whether what passed ends exactly after a whole message (or nothing passed). */
  boolean atBoundary() {
    return prefixRead == 0 && remaining == 0;
  }
}
