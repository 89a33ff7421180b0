package dev.siskin.router.h2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2EventAdapter;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * A frame listener for gRPC, which sends no priorities: Netty's decoder reports every HEADERS frame through the
 * variant with priority fields, which this hands to the plain one, so a listener overrides only that.
 */
abstract class FrameListener extends Http2EventAdapter {
  @Override
  public final void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
      short weight, boolean exclusive, int padding, boolean endOfStream) {
    onHeadersRead(ctx, streamId, headers, padding, endOfStream);
  }

  @Override
  public abstract void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
      boolean endOfStream);
}
