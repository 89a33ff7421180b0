package dev.siskin.router.admin.http;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;

/**
 * Writes to a non-blocking socket channel, through its {@link Wire}, from a worker thread. The channel stays registered with the server's
 * selector, so it cannot be switched to blocking mode; when the socket's send buffer is full this stream waits for
 * room on a selector of its own (opened only then, closed by {@link #close()}), and never past its deadline: a
 * client that reads too slowly gets its response cut, not a worker for as long as it likes. Unbuffered; the
 * channel is the caller's to close. Not thread-safe.
 */
final class ChannelOutputStream extends OutputStream {
  private final Wire wire;
  private final long deadlineNanos;
  private Selector waiter;

  ChannelOutputStream(Wire wire, long deadlineNanos) {
    this.wire = wire;
    this.deadlineNanos = deadlineNanos;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
    while (buffer.hasRemaining()) {
      if (wire.write(buffer) == 0) {
        awaitRoom();
      }
    }
  }

  /** Waits until the wire's own bytes (the last TLS records) are sent too. */
  @Override
  public void flush() throws IOException {
    while (!wire.flush()) {
      awaitRoom();
    }
  }

  private void awaitRoom() throws IOException {
    long left = deadlineNanos - System.nanoTime();
    if (left <= 0) {
      throw new SocketTimeoutException("response not sent by its deadline: the client reads too slowly");
    }
    if (Thread.currentThread().isInterrupted()) {
      throw new InterruptedIOException("server closing");
    }
    if (waiter == null) {
      waiter = Selector.open();
      wire.channel().register(waiter, SelectionKey.OP_WRITE);
    }
    waiter.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    waiter.selectedKeys().clear();
  }

  /** Closes the private selector, if one was opened (which deregisters the channel from it), not the channel. */
  @Override
  public void close() throws IOException {
    if (waiter != null) {
      waiter.close();
    }
  }
}
