package dev.siskin.router.admin.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * TLS over a non-blocking channel with an {@link SSLEngine} in server mode. The handshake runs inside {@link
 * #read}: each call goes as far as the bytes at hand allow, so a client that stalls its handshake costs a few
 * buffers until the server's head deadline, like one that stalls its request head. The engine's delegated tasks
 * (a signature, a certificate check: about a millisecond) run on the calling thread: a TLS connection is made a
 * few times a minute on an admin endpoint, and a thread pool for that would be one more thing to bound.
 *
 * <p>Buffers: {@code netIn} is kept ready for filling, {@code appIn} and {@code netOut} ready for draining. Each
 * is one TLS record large (about 16 KiB): a connection holds three of them, whatever its peer sends.
 *
 * <p>Renegotiation is refused: a handshake the peer starts while a response is being written fails that write.
 * Not thread-safe (see {@link Wire}).
 */
final class TlsWire implements Wire {
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
  /**
   * Socket reads per {@link #read} call at most: a peer streaming records that decrypt to nothing (empty records,
   * post-handshake messages) gets the thread back to the selector between rounds, not for as long as it sends.
   */
  private static final int READS_PER_CALL = 16;

  private final SocketChannel channel;
  private final SSLEngine engine;
  private ByteBuffer netIn;
  private ByteBuffer appIn;
  private final ByteBuffer netOut;
  private boolean ended;
  private boolean established;

  TlsWire(SocketChannel channel, SSLEngine engine) throws SSLException {
    this.channel = channel;
    this.engine = engine;
    engine.setUseClientMode(false);
    engine.beginHandshake();
    int packet = engine.getSession().getPacketBufferSize();
    netIn = ByteBuffer.allocate(packet);
    appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize()).flip();
    netOut = ByteBuffer.allocate(packet).flip();
  }

  @Override
  public SocketChannel channel() {
    return channel;
  }

  @Override
  public boolean established() {
    return established;
  }

  @Override
  public boolean clientCertified() {
    if (!established) {
      return false;
    }
    try {
      return engine.getSession().getPeerCertificates().length > 0; // verified by the handshake, or it had failed
    } catch (javax.net.ssl.SSLPeerUnverifiedException none) {
      return false;
    }
  }

  @Override
  public boolean wantsToWrite() {
    return netOut.hasRemaining();
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (!appIn.hasRemaining() && fill() < 0 && !appIn.hasRemaining()) {
      return -1;
    }
    int n = Math.min(appIn.remaining(), dst.remaining());
    ByteBuffer part = appIn.duplicate();
    part.limit(part.position() + n);
    dst.put(part);
    appIn.position(appIn.position() + n);
    return n;
  }

  /** Runs the handshake and decrypts until some HTTP bytes are at hand: their count, 0 for not yet, -1 at the end. */
  private int fill() throws IOException {
    for (int reads = 0; reads < READS_PER_CALL; ) {
      if (!flush()) {
        return 0; // handshake records wait for room; the caller asks for writability
      }
      HandshakeStatus status = engine.getHandshakeStatus();
      if (status == HandshakeStatus.NEED_TASK) {
        runTasks();
        continue;
      }
      if (status == HandshakeStatus.NEED_WRAP) {
        wrap(EMPTY);
        continue;
      }
      SSLEngineResult result = unwrap();
      switch (result.getStatus()) {
        case OK -> {
          if (appIn.hasRemaining()) {
            return appIn.remaining();
          }
          if (result.bytesConsumed() > 0 || result.getHandshakeStatus() == HandshakeStatus.NEED_TASK
              || result.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
            continue;
          }
        }
        case BUFFER_UNDERFLOW -> {
          if (!netIn.hasRemaining()) { // a record larger than the buffer: the session says how large they get
            netIn = grow(netIn.flip(), engine.getSession().getPacketBufferSize());
          }
        }
        case BUFFER_OVERFLOW -> { // only when appIn was empty and still too small for one record
          appIn = grow(appIn, engine.getSession().getApplicationBufferSize()).flip();
          continue;
        }
        case CLOSED -> {
          ended = true;
          return -1; // the peer's close_notify
        }
      }
      if (ended) {
        return -1;
      }
      int n = channel.read(netIn);
      reads++;
      if (n < 0) {
        ended = true;
        return -1;
      }
      if (n == 0) {
        return 0;
      }
    }
    return 0; // more may be there: the selector says so again
  }

  private SSLEngineResult unwrap() throws SSLException {
    netIn.flip();
    appIn.compact();
    SSLEngineResult result;
    try {
      result = engine.unwrap(netIn, appIn);
    } finally {
      netIn.compact();
      appIn.flip();
    }
    noteHandshake(result);
    return result;
  }

  private void noteHandshake(SSLEngineResult result) {
    if (result.getHandshakeStatus() == HandshakeStatus.FINISHED
        || engine.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING) {
      established = true;
    }
  }

  private SSLEngineResult wrap(ByteBuffer src) throws SSLException {
    netOut.compact();
    SSLEngineResult result;
    try {
      result = engine.wrap(src, netOut);
    } finally {
      netOut.flip();
    }
    if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
      throw new SSLException("TLS record larger than the session's packet size");
    }
    noteHandshake(result);
    return result;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    // A few rounds at most: records of the handshake's end (a TLS 1.3 session ticket) may go first.
    for (int round = 0; round < 8; round++) {
      if (!flush()) {
        return 0;
      }
      if (engine.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
        runTasks();
        continue;
      }
      SSLEngineResult result = wrap(src);
      if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
        throw new SSLException("TLS connection closed while the response was written");
      }
      if (result.bytesConsumed() > 0 || !src.hasRemaining()) {
        flush();
        return result.bytesConsumed();
      }
      if (result.bytesProduced() == 0 && engine.getHandshakeStatus() != HandshakeStatus.NEED_TASK) {
        break; // the engine waits for the peer: a handshake it started
      }
    }
    throw new SSLException("TLS handshake asked for while the response was written (renegotiation is not "
        + "served by the admin endpoint)");
  }

  @Override
  public boolean flush() throws IOException {
    while (netOut.hasRemaining()) {
      if (channel.write(netOut) == 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void shutdownOutput() throws IOException {
    engine.closeOutbound();
    try {
      wrap(EMPTY); // close_notify: a record of a few dozen bytes; sent if the socket has room, else left out
      flush();
    } catch (SSLException e) {
      // nothing to tell the peer then
    }
    channel.shutdownOutput();
  }

  @Override
  public int discard(ByteBuffer scratch) throws IOException {
    scratch.clear();
    return channel.read(scratch);
  }

  private void runTasks() {
    for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
      task.run();
    }
  }

  /** {@code content} (ready for draining) in a buffer of at least {@code size} bytes, ready for filling. */
  private static ByteBuffer grow(ByteBuffer content, int size) throws SSLException {
    if (size <= content.capacity()) {
      throw new SSLException("TLS record does not fit the session's buffer size " + size);
    }
    return ByteBuffer.allocate(size).put(content);
  }
}
