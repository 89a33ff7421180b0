package dev.siskin.router.bench;

import dev.siskin.proto.v1.PredictResponse;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2EventAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The shadow benchmark's near-free backend: answers every call, once its request has ended, with one fixed
 * {@code PredictResponse} and OK -- from the event loop, with no gRPC server, no model and no decoding -- and
 * health checks with UNIMPLEMENTED (which the router counts as healthy). As a shadow backend it takes the
 * backend's work out of the shadow's cost: what is left is the router's (copy, stream, answer read, comparison).
 *
 * <p>Usage: {@code SinkBackend PORT} (0 for any); prints {@code PORT n} once listening on loopback, stops on
 * SIGTERM.
 */
public final class SinkBackend {
  private SinkBackend() {}

  private static final byte[] MESSAGE = grpcMessage(PredictResponse.newBuilder().setPrediction("setosa")
      .setConfidence(1.0).setModelVersion("sink").build().toByteArray());

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    Channel server = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new Builder().build());
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS)));
    System.out.println("PORT " + ((InetSocketAddress) server.localAddress()).getPort());
    System.out.flush();
    server.closeFuture().sync();
  }

  private static byte[] grpcMessage(byte[] body) {
    byte[] out = new byte[5 + body.length];
    out[1] = (byte) (body.length >>> 24);
    out[2] = (byte) (body.length >>> 16);
    out[3] = (byte) (body.length >>> 8);
    out[4] = (byte) body.length;
    System.arraycopy(body, 0, out, 5, body.length);
    return out;
  }

  private static final class Answerer extends Http2ConnectionHandler {
    Answerer(Http2ConnectionDecoder d, Http2ConnectionEncoder e, Http2Settings s) {
      super(d, e, s);
      d.frameListener(new Http2EventAdapter() {
        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int id, Http2Headers h, int padding, boolean end) {
          if (h.path() != null && h.path().toString().startsWith("/grpc.health.v1.Health/")) {
            encoder().writeHeaders(ctx, id, new DefaultHttp2Headers().status("200")
                .set("content-type", "application/grpc").set("grpc-status", "12"), 0, true, ctx.newPromise());
          } else if (end) {
            answer(ctx, id);
          }
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int id, Http2Headers h, int dependency, short weight,
            boolean exclusive, int padding, boolean end) {
          onHeadersRead(ctx, id, h, padding, end);
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int id, ByteBuf data, int padding, boolean end) {
          if (end && connection().stream(id) != null && !connection().stream(id).isHeadersSent()) {
            answer(ctx, id);
          }
          return data.readableBytes() + padding;
        }
      });
    }

    private void answer(ChannelHandlerContext ctx, int id) {
      encoder().writeHeaders(ctx, id, new DefaultHttp2Headers().status("200").set("content-type", "application/grpc"),
          0, false, ctx.newPromise());
      encoder().writeData(ctx, id, Unpooled.wrappedBuffer(MESSAGE), 0, false, ctx.newPromise());
      encoder().writeHeaders(ctx, id, new DefaultHttp2Headers().set("grpc-status", "0"), 0, true, ctx.newPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
      flush(ctx); // the handler's flush: the answers' DATA wait in its flow controller until then
      super.channelReadComplete(ctx);
    }
  }

  /** Netty's builder API is protected. */
  private static final class Builder extends AbstractHttp2ConnectionHandlerBuilder<Http2ConnectionHandler, Builder> {
    Builder() {
      server(true);
      frameListener(new Http2EventAdapter()); // Answerer sets its own
    }

    @Override
    protected Http2ConnectionHandler build() {
      return super.build();
    }

    @Override
    protected Http2ConnectionHandler build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
        Http2Settings initialSettings) {
      return new Answerer(decoder, encoder, initialSettings);
    }
  }
}
