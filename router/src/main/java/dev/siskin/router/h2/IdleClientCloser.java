package dev.siskin.router.h2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * Last in a client connection's pipeline, behind an {@code IdleStateHandler}: once nothing was read or written for
 * {@code router.client-idle-timeout}, a connection with no call running is drained (GOAWAY, then closed); one
 * still in its TLS handshake, or with a header block that never ended (no stream was ever opened), simply closes.
 * A call that runs, however quiet, keeps its connection: only the client or the call's deadline ends it.
 *
 * <p>Event-loop confined, one per connection.
 */
final class IdleClientCloser extends ChannelInboundHandlerAdapter {
  /** How long the drain's GOAWAYs get before the connection closes. */
  private static final long DRAIN_MILLIS = 1000;

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (!(evt instanceof IdleStateEvent)) {
      super.userEventTriggered(ctx, evt);
      return;
    }
    FrontendHandler http2 = ctx.pipeline().get(FrontendHandler.class);
    if (http2 == null) {
      ctx.close();
    } else if (http2.connection().numActiveStreams() == 0) {
      http2.drain(DRAIN_MILLIS);
    }
  }
}
