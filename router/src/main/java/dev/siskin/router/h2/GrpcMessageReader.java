package dev.siskin.router.h2;

import dev.siskin.router.proxy.MessageRecorder;
import io.netty.buffer.ByteBuf;

/**
 * Cuts one direction of a stream's DATA into gRPC messages (each a 5-byte prefix -- compressed flag, 32-bit
 * length -- and its bytes) for a {@link MessageRecorder}, for the features that need messages: shadow copies and
 * the Predict answers the canary analysis reads. It only looks: the frames' reader indexes are left as they are,
 * since the same buffers are forwarded. A prefix and a message may span frames. A length over 2^31 - 1 is not
 * gRPC: the reader stops reading that stream.
 *
 * <p>Event-loop confined, like the call it reads for.
 */
final class GrpcMessageReader {
  private static final int PREFIX = 5;

  private final MessageRecorder into;
  private final byte[] prefix = new byte[PREFIX];
  private int prefixRead;
  /** Bytes left of the current message; -1 while in a prefix. */
  private int remaining = -1;
  private boolean compressed;
  private CharSequence encoding;
  private boolean broken;

  GrpcMessageReader(MessageRecorder into) {
    this.into = into;
  }

  /** The stream's grpc-encoding header (from its HEADERS), for compressed messages. */
  void encoding(CharSequence encoding) {
    this.encoding = encoding;
  }

  /** Reads one DATA frame's bytes. */
  void read(ByteBuf data) {
    int i = data.readerIndex();
    int end = data.writerIndex();
    while (i < end && !broken) {
      if (remaining < 0) {
        int n = Math.min(PREFIX - prefixRead, end - i);
        data.getBytes(i, prefix, prefixRead, n);
        i += n;
        prefixRead += n;
        if (prefixRead < PREFIX) {
          return;
        }
        prefixRead = 0;
        compressed = (prefix[0] & 1) != 0;
        remaining = (prefix[1] & 0xff) << 24 | (prefix[2] & 0xff) << 16 | (prefix[3] & 0xff) << 8 | prefix[4] & 0xff;
        if (remaining < 0) {
          broken = true;
          return;
        }
        into.begin(remaining);
        if (remaining == 0) {
          messageEnded();
        }
      } else {
        int n = Math.min(remaining, end - i);
        if (into.wantsBytes()) {
          into.bytes(data.nioBuffer(i, n));
        }
        i += n;
        remaining -= n;
        if (remaining == 0) {
          messageEnded();
        }
      }
    }
  }

  private void messageEnded() {
    remaining = -1;
    into.end(compressed, encoding);
  }
}
