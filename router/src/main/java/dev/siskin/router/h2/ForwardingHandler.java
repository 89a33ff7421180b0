package dev.siskin.router.h2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2LocalFlowController;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;

/**
 * What both ends of a forwarded call share: a connection-level HTTP/2 handler whose writes are flushed once per
 * loop turn ({@link FlushBatch}) and whose inbound windows open only when the other side has taken the bytes
 * ({@link #consumed}). Event-loop confined.
 */
abstract class ForwardingHandler extends Http2ConnectionHandler {
  /** The handler's context, set when it joins its pipeline. */
  ChannelHandlerContext ctx;

  ForwardingHandler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings) {
    super(decoder, encoder, settings);
  }

  /**
   * A connection for {@code server} or client side with the flow control of the core: the connection window
   * refilled on receipt (one stream read slowly on the other side must not stop its siblings), streams' windows
   * by {@link #consumed}; and a uniform byte distributor rather than Netty's weighted-fair default (gRPC sends no
   * priorities, and the fair queue's bookkeeping showed in a profile).
   */
  static DefaultHttp2Connection connection(boolean server) {
    DefaultHttp2Connection connection = new DefaultHttp2Connection(server);
    connection.local().flowController(new DefaultHttp2LocalFlowController(connection, 0.5f, true));
    connection.remote().flowController(new DefaultHttp2RemoteFlowController(connection,
        new UniformStreamByteDistributor(connection)));
    return connection;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    this.ctx = ctx;
    super.handlerAdded(ctx);
  }

  ChannelFuture writeHeaders(int streamId, Http2Headers headers, boolean endStream) {
    ChannelFuture f = encoder().writeHeaders(ctx, streamId, headers, 0, endStream, ctx.newPromise());
    FlushBatch.soon(ctx.channel());
    return f;
  }

  ChannelFuture writeData(int streamId, ByteBuf data, boolean endStream) {
    ChannelFuture f = encoder().writeData(ctx, streamId, data, 0, endStream, ctx.newPromise());
    FlushBatch.soon(ctx.channel());
    return f;
  }

  /** The other side has written out {@code bytes} of this stream's DATA: open its window by that much. */
  void consumed(int streamId, int bytes) {
    Http2Stream stream = connection().stream(streamId);
    if (stream == null || bytes == 0) {
      return;
    }
    try {
      if (decoder().flowController().consumeBytes(stream, bytes)) {
        FlushBatch.soon(ctx.channel()); // a WINDOW_UPDATE was written
      }
    } catch (Http2Exception e) {
      onError(ctx, false, e);
    }
  }
}
