package dev.siskin.router.proxy;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Carries a message through the router as its serialized bytes, never decoding it.
 *
 * <p>Why a {@code byte[]} and not the transport's own buffer: grpc-java closes the inbound stream (and frees
 * its Netty buffer) as soon as {@code onMessage} returns, while the outbound side may keep the message for
 * later -- a call whose backend connection is still being set up queues its messages, and transparent retry
 * replays them by calling {@link #stream} again. A message must therefore outlive its inbound buffer and be
 * readable more than once; a heap array is the one representation that is both and is freed by the GC on
 * every path (cancel, retry, drain) without reference counting.
 *
 * <p>The cost is kept to one copy per hop: {@link #parse} sizes the array exactly from the transport's
 * {@link KnownLength} (no growing buffers), and {@link #stream} returns a {@link Drainable} stream, so the
 * framer writes the array into its outbound buffer in one call instead of through an 8 KiB bounce buffer.
 *
 * <p>Stateless and thread-safe.
 */
final class RawMarshaller implements MethodDescriptor.Marshaller<byte[]> {
  static final RawMarshaller INSTANCE = new RawMarshaller();

  private RawMarshaller() {}

  @Override
  public byte[] parse(InputStream stream) {
    try {
      if (!(stream instanceof KnownLength)) {
        return stream.readAllBytes();
      }
      byte[] bytes = stream.readNBytes(stream.available());
      int next = stream.read();
      if (next == -1) {
        return bytes;
      }
      // The length was under-reported: keep correctness, pay for the extra copy.
      byte[] rest = stream.readAllBytes();
      byte[] all = new byte[bytes.length + 1 + rest.length];
      System.arraycopy(bytes, 0, all, 0, bytes.length);
      all[bytes.length] = (byte) next;
      System.arraycopy(rest, 0, all, bytes.length + 1, rest.length);
      return all;
    } catch (IOException e) {
      throw Status.INTERNAL
          .withDescription("siskin router: cannot read a message from the transport")
          .withCause(e)
          .asRuntimeException();
    }
  }

  @Override
  public InputStream stream(byte[] value) {
    return new DrainableBytes(value);
  }

  /** A fresh stream per call of {@link #stream}, so retries can replay the same message. */
  private static final class DrainableBytes extends ByteArrayInputStream implements Drainable, KnownLength {
    DrainableBytes(byte[] bytes) {
      super(bytes);
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      int length = count - pos;
      target.write(buf, pos, length);
      pos = count;
      return length;
    }
  }
}
