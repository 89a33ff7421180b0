package dev.siskin.router.h2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.router.proxy.MessageRecorder;
import dev.siskin.router.proxy.ShadowExchange;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * gRPC messages read off DATA frames however the frames cut them, with the frames left as they are (they are
 * forwarded), and the same digest as the messages handed over whole in one piece each.
 */
@ExtendWith(LeakCheck.class)
class GrpcMessageReaderTest {
  private static byte[] framed(boolean compressed, byte[] message) {
    byte[] out = new byte[5 + message.length];
    out[0] = (byte) (compressed ? 1 : 0);
    out[1] = (byte) (message.length >>> 24);
    out[2] = (byte) (message.length >>> 16);
    out[3] = (byte) (message.length >>> 8);
    out[4] = (byte) message.length;
    System.arraycopy(message, 0, out, 5, message.length);
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** Feeds {@code wire} cut into frames of {@code frameSize} bytes; checks no frame's reader index moved. */
  private static void feed(GrpcMessageReader reader, byte[] wire, int frameSize) {
    for (int i = 0; i < wire.length; i += frameSize) {
      ByteBuf frame = Unpooled.wrappedBuffer(wire, i, Math.min(frameSize, wire.length - i));
      int before = frame.readerIndex();
      reader.read(frame);
      assertThat(frame.readerIndex()).isEqualTo(before);
      frame.release();
    }
  }

  @Test
  void messagesAreFoundWhateverTheFramesCutAndDigestAsWholeMessagesDo() {
    byte[] a = "first message".getBytes(StandardCharsets.UTF_8);
    byte[] b = new byte[0];
    byte[] c = new byte[70_000]; // over the kept size: digested, not kept
    for (int i = 0; i < c.length; i++) {
      c[i] = (byte) i;
    }
    byte[] wire = concat(framed(false, a), framed(false, b), framed(false, c));
    MessageRecorder whole = new MessageRecorder(true);
    for (byte[] message : new byte[][] {a, b, c}) {
      whole.begin(message.length);
      whole.bytes(java.nio.ByteBuffer.wrap(message));
      whole.end(false, null);
    }
    ShadowExchange.Side expected = whole.end(Status.Code.OK, 0);

    for (int frameSize : new int[] {1, 2, 4, 5, 6, 7, 13, 1000, wire.length}) {
      MessageRecorder pieces = new MessageRecorder(true);
      feed(new GrpcMessageReader(pieces), wire, frameSize);
      ShadowExchange.Side got = pieces.end(Status.Code.OK, 0);
      assertThat(got.responses()).as("frames of %d bytes", frameSize).isEqualTo(3);
      assertThat(got.firstResponse()).as("frames of %d bytes", frameSize).isEqualTo(a);
      assertThat(got.sameAnswerAs(expected)).as("frames of %d bytes", frameSize).isTrue();
    }
  }

  @Test
  void aGzipMessageIsKeptDecompressedAndAnUnknownEncodingIsNotKept() throws Exception {
    byte[] plain = "a Predict answer".getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream zipped = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
      gz.write(plain);
    }
    byte[] wire = framed(true, zipped.toByteArray());

    MessageRecorder gzip = new MessageRecorder(false);
    GrpcMessageReader reader = new GrpcMessageReader(gzip);
    reader.encoding("gzip");
    feed(reader, wire, 3);
    assertThat(gzip.first()).isEqualTo(plain);

    MessageRecorder other = new MessageRecorder(false);
    GrpcMessageReader otherReader = new GrpcMessageReader(other);
    otherReader.encoding("snappy");
    feed(otherReader, wire, 3);
    assertThat(other.count()).isEqualTo(1);
    assertThat(other.first()).as("not decodable here: not kept, so never misread").isNull();
  }

  @Test
  void aLengthNoGrpcMessageCanHaveStopsTheReaderWithoutAnError() {
    MessageRecorder recorder = new MessageRecorder(false);
    GrpcMessageReader reader = new GrpcMessageReader(recorder);
    feed(reader, new byte[] {0, (byte) 0x80, 0, 0, 0, 1, 2, 3}, 8);
    feed(reader, framed(false, new byte[] {9}), 8);
    assertThat(recorder.count()).isZero();
    assertThat(recorder.first()).isNull();
  }
}
