package dev.siskin.router.admin.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChunkedOutputStreamTest {
  private static final int CHUNK = 1024;

  @Test
  void holdsAtMostOneChunkAndTheChunksAddUpToTheBody() throws IOException {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    ChunkedOutputStream out = new ChunkedOutputStream(wire, CHUNK);
    Random random = new Random(7);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (body.size() < 1 << 20) {
      byte[] piece = new byte[random.nextInt(3 * CHUNK)];
      random.nextBytes(piece);
      if (random.nextInt(10) == 0) {
        out.write(piece.length > 0 ? piece[0] : 1);
        body.write(piece.length > 0 ? piece[0] : 1);
      } else {
        out.write(piece);
        body.write(piece);
      }
      // What went to the wire carries framing too, so it is at least the body sent so far.
      assertThat(body.size() - wire.size()).as("bytes held back").isLessThanOrEqualTo(CHUNK);
    }
    out.finish();
    assertThat(dechunk(wire.toByteArray())).isEqualTo(body.toByteArray());
  }

  @Test
  void flushWithNothingBufferedSendsNoEmptyChunkAndCloseDoesNotEndTheBody() throws IOException {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    ChunkedOutputStream out = new ChunkedOutputStream(wire, CHUNK);
    out.flush(); // an empty chunk would be the last one
    assertThat(wire.size()).isZero();
    out.write("abc".getBytes(StandardCharsets.US_ASCII));
    out.close(); // e.g. by a body writer that failed: the client must not take the body for whole
    assertThat(wire.toString(StandardCharsets.US_ASCII)).isEqualTo("3\r\nabc\r\n");
    out.finish();
    assertThat(wire.toString(StandardCharsets.US_ASCII)).isEqualTo("3\r\nabc\r\n0\r\n\r\n");
  }

  @Test
  void aFullChunkHasItsSizeInHex() throws IOException {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    ChunkedOutputStream out = new ChunkedOutputStream(wire, CHUNK);
    out.write(new byte[CHUNK + 1]);
    assertThat(wire.toString(StandardCharsets.US_ASCII)).startsWith("400\r\n").hasSize(5 + CHUNK + 2);
  }

  private static byte[] dechunk(byte[] wire) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    int at = 0;
    while (true) {
      int lineEnd = indexOf(wire, at);
      int size = Integer.parseInt(new String(wire, at, lineEnd - at, StandardCharsets.US_ASCII), 16);
      at = lineEnd + 2;
      if (size == 0) {
        assertThat(new String(wire, at, wire.length - at, StandardCharsets.US_ASCII)).isEqualTo("\r\n");
        return body.toByteArray();
      }
      assertThat(size).isLessThanOrEqualTo(CHUNK);
      body.write(wire, at, size);
      at += size;
      assertThat(new String(wire, at, 2, StandardCharsets.US_ASCII)).isEqualTo("\r\n");
      at += 2;
    }
  }

  private static int indexOf(byte[] wire, int from) {
    for (int i = from; i + 1 < wire.length; i++) {
      if (wire[i] == '\r' && wire[i + 1] == '\n') {
        return i;
      }
    }
    throw new AssertionError("no CRLF after " + from);
  }
}
