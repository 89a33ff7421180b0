package dev.siskin.router.admin.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The bytes of one admin connection, plain or TLS, over a non-blocking socket channel: what the server reads and
 * writes are the HTTP bytes, whatever goes over the wire. No method blocks.
 *
 * <p>Not thread-safe: used by one thread at a time -- the server's I/O thread, or the worker that has the
 * connection (the hand-over through the worker queue orders the two).
 */
interface Wire {
  /** The channel under it (for the selector and the peer's address). */
  SocketChannel channel();

  /**
   * Reads HTTP bytes into {@code dst}: their count, 0 when none are there yet (or when bytes of the wire's own wait
   * to be sent first: {@link #wantsToWrite()}), -1 once the peer has ended.
   */
  int read(ByteBuffer dst) throws IOException;

  /** Writes HTTP bytes from {@code src}: how many it took, 0 when the socket has no room now. */
  int write(ByteBuffer src) throws IOException;

  /** Sends what the wire has of its own (TLS records); true when nothing is left, false when the socket is full. */
  boolean flush() throws IOException;

  /** Whether bytes of the wire's own wait for room in the socket: the caller then waits until it is writable. */
  boolean wantsToWrite();

  /** Whether HTTP bytes can flow yet (false while a TLS handshake runs): no response can be sent before. */
  boolean established();

  /** Whether the peer presented a client certificate that the TLS handshake verified. */
  boolean clientCertified();

  /** Ends this side after a complete response (a TLS close_notify first, if the socket has room for it). */
  void shutdownOutput() throws IOException;

  /** Reads and drops what the peer still sends (raw, not decrypted): the count, -1 at its end. */
  int discard(ByteBuffer scratch) throws IOException;

  /** A plaintext connection: the channel's bytes are the HTTP bytes. */
  static Wire plain(SocketChannel channel) {
    return new Wire() {
      @Override
      public SocketChannel channel() {
        return channel;
      }

      @Override
      public int read(ByteBuffer dst) throws IOException {
        return channel.read(dst);
      }

      @Override
      public int write(ByteBuffer src) throws IOException {
        return channel.write(src);
      }

      @Override
      public boolean flush() {
        return true;
      }

      @Override
      public boolean wantsToWrite() {
        return false;
      }

      @Override
      public boolean established() {
        return true;
      }

      @Override
      public boolean clientCertified() {
        return false;
      }

      @Override
      public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
      }

      @Override
      public int discard(ByteBuffer scratch) throws IOException {
        scratch.clear();
        return channel.read(scratch);
      }
    };
  }
}
