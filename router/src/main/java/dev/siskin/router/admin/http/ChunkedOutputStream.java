package dev.siskin.router.admin.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a body in HTTP/1.1 chunks of at most {@code chunkSize} bytes, each sent as soon as it is full, so a body of
 * any length needs that much memory and no more. {@link #finish()} writes the last chunk; {@link #close()} does not,
 * so that a body whose writer failed halfway (and perhaps closed its stream) never looks complete to the client.
 * Not thread-safe.
 */
final class ChunkedOutputStream extends OutputStream {
  private static final int SIZE_ROOM = 8 + 2; // up to 8 hex digits, CRLF
  private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final OutputStream out;
  private final int chunkSize;
  private final byte[] frame; // [size line, right-aligned in SIZE_ROOM][data][CRLF]: one write per chunk
  private int count;

  ChunkedOutputStream(OutputStream out, int chunkSize) {
    this.out = out;
    this.chunkSize = chunkSize;
    this.frame = new byte[SIZE_ROOM + chunkSize + 2];
  }

  @Override
  public void write(int b) throws IOException {
    if (count == chunkSize) {
      writeChunk();
    }
    frame[SIZE_ROOM + count++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (count == chunkSize) {
        writeChunk();
      }
      int n = Math.min(len, chunkSize - count);
      System.arraycopy(b, off, frame, SIZE_ROOM + count, n);
      count += n;
      off += n;
      len -= n;
    }
  }

  /** Sends what is buffered as a chunk (none when nothing is: an empty chunk would end the body). */
  @Override
  public void flush() throws IOException {
    writeChunk();
    out.flush();
  }

  /** Ends the body: what is buffered, then the last chunk. */
  void finish() throws IOException {
    writeChunk();
    out.write(LAST_CHUNK);
    out.flush();
  }

  /** Flushes only; see the class comment. */
  @Override
  public void close() throws IOException {
    flush();
  }

  private void writeChunk() throws IOException {
    if (count == 0) {
      return;
    }
    byte[] size = Integer.toHexString(count).getBytes(StandardCharsets.US_ASCII);
    int start = SIZE_ROOM - 2 - size.length;
    System.arraycopy(size, 0, frame, start, size.length);
    frame[SIZE_ROOM - 2] = '\r';
    frame[SIZE_ROOM - 1] = '\n';
    frame[SIZE_ROOM + count] = '\r';
    frame[SIZE_ROOM + count + 1] = '\n';
    out.write(frame, start, SIZE_ROOM + count + 2 - start);
    count = 0;
  }
}
