package dev.siskin.router.h2;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * What a {@link BackendConnection} tells the stream it opened for someone: a forwarded call ({@link ProxiedCall})
 * or its shadow copy ({@link ShadowCopy}). Every method runs on the connection's event loop; {@code from} is the
 * connection, so that a receiver that moved on (a retried call) can ignore a connection it left.
 */
interface BackendStream {
  /** The stream is open on the connection as {@code id}: the receiver writes its HEADERS now. */
  void backendStreamOpened(BackendConnection from, int id);

  /** Response HEADERS (or trailers, when {@code endStream}). */
  void responseHeaders(BackendConnection from, Http2Headers headers, boolean endStream);

  /**
   * Response DATA, not retained for the receiver: it retains what it keeps, and calls {@code from.consumed} for the
   * bytes once it has taken them.
   */
  void responseData(BackendConnection from, ByteBuf data, boolean endStream);

  /** The backend reset the stream with {@code errorCode}. */
  void backendReset(BackendConnection from, long errorCode);

  /** The stream closed before the receiver ended (a GOAWAY refused it). */
  void backendStreamClosed(BackendConnection from, int id);

  /** The connection failed, closed, or could not be made; {@code why} says which, without the address. */
  void backendLost(BackendConnection from, String why);
}
