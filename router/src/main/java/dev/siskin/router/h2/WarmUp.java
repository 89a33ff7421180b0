package dev.siskin.router.h2;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.cluster.ResolvedAddressBook;
import dev.siskin.router.config.RoutingSettings;
import dev.siskin.router.observe.CallListener;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.observe.RouteCause;
import dev.siskin.router.route.Selection;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2EventAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warms the frame core before it takes real calls: synthetic unary calls from a loopback client through a
 * private {@link FrameForwarder} to a loopback stand-in backend, all on this JVM, none near a real backend or
 * client. A fresh JVM runs the core's code -- Netty's HTTP/2 codec above all, which JFR showed getting most of
 * the JIT compiler's time -- interpreted and then half-compiled for its first tens of thousands of calls, at a
 * third of its steady throughput and five times its CPU per call; these calls pay that before the listener is
 * bound and {@code /ready} says yes, instead of the first users (router.warm-up-calls; docs/router.md).
 *
 * <p>Runs once, on the caller's thread, which it blocks until the calls are done or the time bound is reached.
 */
public final class WarmUp {
  private static final Logger log = LoggerFactory.getLogger(WarmUp.class);
  private static final String METHOD = "/siskin.warmup.v1.WarmUp/Call";
  /** Connections x streams of the synthetic load: like a few busy clients. */
  private static final int CONNECTIONS = 4;
  private static final int STREAMS_PER_CONNECTION = 16;
  /** A small gRPC message (5-byte prefix + 24 bytes), about a Predict request's size. */
  private static final byte[] MESSAGE = message(24);

  private WarmUp() {}

  /** What a warm-up did. */
  public record Result(int calls, int failed, Duration took) {}

  /**
   * Runs {@code calls} synthetic calls (none when 0), for at most {@code bound}.
   *
   * @param loops event loops of the private core (the real one's count, so that each loop's code is warmed alike)
   */
  public static Result run(int calls, int loops, Duration bound) throws InterruptedException {
    if (calls <= 0) {
      return new Result(0, 0, Duration.ZERO);
    }
    long start = System.nanoTime();
    boolean epoll = Epoll.isAvailable();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2,
        epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    Class<? extends ServerChannel> serverType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    Class<? extends Channel> clientType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    Channel backend = null;
    FrameForwarder core = null;
    ManagedChannel unused = null;
    List<Channel> clients = new ArrayList<>();
    AtomicInteger sent = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(calls);
    try {
      backend = new ServerBootstrap().group(group).channel(serverType)
          .childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline().addLast(new Handlers(true, null, null, null, 0).build());
            }
          })
          .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
      String target = "127.0.0.1:" + ((InetSocketAddress) backend.localAddress()).getPort();
      unused = ManagedChannelBuilder.forTarget(target).usePlaintext().build(); // never used: no call, no connect
      Backend standIn = new Backend("warm-up", target, unused, new ResolvedAddressBook());
      core = new FrameForwarder((method, headers, tried) -> {
        standIn.tryAcquire();
        return new Selection(standIn, Selection.Refusal.NONE, false, RouteCause.WEIGHT, 1.0, null);
      }, () -> new RoutingSettings("x-canary-backend", "", ""), NO_LISTENER, () -> Duration.ZERO, null, null,
          loops, 2000, Duration.ZERO, Duration.ZERO).start(new InetSocketAddress("127.0.0.1", 0));
      for (int c = 0; c < CONNECTIONS; c++) {
        clients.add(new Bootstrap().group(group).channel(clientType).option(ChannelOption.TCP_NODELAY, true)
            .handler(new Handlers(false, sent, failed, done, calls).build())
            .connect(new InetSocketAddress("127.0.0.1", core.port())).sync().channel());
      }
      for (Channel client : clients) {
        client.eventLoop().execute(() -> client.pipeline().get(Caller.class).startCalls(STREAMS_PER_CONNECTION));
      }
      done.await(bound.toNanos(), TimeUnit.NANOSECONDS);
    } finally {
      for (Channel client : clients) {
        client.close();
      }
      if (core != null) {
        core.close();
      }
      if (backend != null) {
        backend.close();
      }
      if (unused != null) {
        unused.shutdownNow();
      }
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
    Result result = new Result(calls - (int) done.getCount(), failed.get(),
        Duration.ofNanos(System.nanoTime() - start));
    log.info("warm-up: {} synthetic calls through the frame core in {} ms ({} failed) before taking real ones",
        result.calls(), result.took().toMillis(), result.failed());
    return result;
  }

  private static final CallListener NO_LISTENER = new CallListener() {
    @Override
    public void onCallStarted(String backend, String fullMethod) {}

    @Override
    public void onCallFinished(CallOutcome outcome) {}
  };

  private static byte[] message(int size) {
    byte[] m = new byte[5 + size];
    m[4] = (byte) size;
    for (int i = 0; i < size; i++) {
      m[5 + i] = (byte) i;
    }
    return m;
  }

  private static Http2Headers requestHeaders() {
    return new DefaultHttp2Headers().method("POST").scheme("http").path(METHOD).authority("warm-up")
        .set("content-type", "application/grpc").set("te", "trailers").set("grpc-timeout", "10S");
  }

  /** The stand-in backend: answers every call's end with headers, one message and OK trailers. */
  private static final class Answerer extends Http2ConnectionHandler {
    Answerer(Http2ConnectionDecoder d, Http2ConnectionEncoder e, Http2Settings s) {
      super(d, e, s);
      d.frameListener(new FrameListener() {
        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int id, Http2Headers h, int padding, boolean end) {
          if (end) {
            answer(ctx, id);
          }
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int id, ByteBuf data, int padding, boolean end) {
          if (end) {
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

  /** The synthetic client of one connection: keeps its streams busy until all calls were sent. */
  private static final class Caller extends Http2ConnectionHandler {
    private final AtomicInteger sent;
    private final int calls;
    private ChannelHandlerContext ctx;

    Caller(Http2ConnectionDecoder d, Http2ConnectionEncoder e, Http2Settings s, AtomicInteger sent,
        AtomicInteger failed, CountDownLatch done, int calls) {
      super(d, e, s);
      this.sent = sent;
      this.calls = calls;
      d.frameListener(new FrameListener() {
        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int id, Http2Headers h, int padding, boolean end) {
          if (end) {
            CharSequence status = h.get("grpc-status");
            if (status == null || !"0".contentEquals(status)) {
              failed.incrementAndGet();
            }
            done.countDown();
            startCalls(1);
          }
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int id, ByteBuf data, int padding, boolean end) {
          return data.readableBytes() + padding;
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext ctx, int id, long errorCode) {
          failed.incrementAndGet();
          done.countDown();
          startCalls(1);
        }
      });
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
      this.ctx = ctx;
      super.handlerAdded(ctx);
    }

    /** Starts up to {@code n} more calls, while calls are left to send. On the connection's loop. */
    void startCalls(int n) {
      for (int i = 0; i < n && ctx.channel().isActive() && sent.getAndIncrement() < calls; i++) {
        int id = connection().local().incrementAndGetNextStreamId();
        encoder().writeHeaders(ctx, id, requestHeaders(), 0, false, ctx.newPromise());
        encoder().writeData(ctx, id, Unpooled.wrappedBuffer(MESSAGE), 0, true, ctx.newPromise());
      }
      flush(ctx); // the handler's flush, which also writes the flow-controlled DATA (ctx.flush() skips it)
    }
  }

  /** Builds either side's handler (Netty's builder API is protected). */
  private static final class Handlers extends AbstractHttp2ConnectionHandlerBuilder<Http2ConnectionHandler, Handlers> {
    private final AtomicInteger sent;
    private final AtomicInteger failed;
    private final CountDownLatch done;
    private final int calls;

    Handlers(boolean server, AtomicInteger sent, AtomicInteger failed, CountDownLatch done, int calls) {
      this.sent = sent;
      this.failed = failed;
      this.done = done;
      this.calls = calls;
      server(server);
      frameListener(new Http2EventAdapter()); // each handler sets its own
    }

    @Override
    protected Http2ConnectionHandler build() {
      return super.build();
    }

    @Override
    protected Http2ConnectionHandler build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
        Http2Settings initialSettings) {
      return isServer() ? new Answerer(decoder, encoder, initialSettings)
          : new Caller(decoder, encoder, initialSettings, sent, failed, done, calls);
    }
  }
}
