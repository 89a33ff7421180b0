package dev.siskin.router.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.cluster.ResolvedAddressBook;
import dev.siskin.router.config.RoutingSettings;
import dev.siskin.router.observe.RouteCause;
import dev.siskin.router.route.Selection;
import dev.siskin.router.testing.RecordingListener;
import dev.siskin.router.testing.TestBackend;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2EventAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What one hostile or broken client connection may do to the frame core: a rapid-reset flood gets its connection
 * closed with GOAWAY ENHANCE_YOUR_CALM, an oversized header block is refused -- and in both cases other clients'
 * calls, and the same client's next calls, go on.
 */
@ExtendWith(LeakCheck.class)
class ClientConnectionLimitsTest {
  private final ManagedChannel unused = InProcessChannelBuilder.forName("never-called").build();
  private final MultiThreadIoEventLoopGroup clientLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private TestBackend backend;
  private FrameForwarder forwarder;
  private ManagedChannel client;

  @BeforeEach
  void start() throws Exception {
    backend = new TestBackend("v1");
    Backend b = new Backend("v1", backend.target(), unused, new ResolvedAddressBook());
    forwarder = new FrameForwarder((method, headers, tried) -> {
      b.tryAcquire();
      return new Selection(b, Selection.Refusal.NONE, false, RouteCause.WEIGHT, 1.0, null);
    }, () -> new RoutingSettings("x-canary-backend", "", ""), new RecordingListener(), () -> Duration.ZERO, null,
        1, 2000).start(new InetSocketAddress("127.0.0.1", 0));
    client = Grpc.newChannelBuilder("127.0.0.1:" + forwarder.port(), InsecureChannelCredentials.create())
        .maxInboundMetadataSize(64 << 10).build();
  }

  @AfterEach
  void stop() throws Exception {
    client.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    forwarder.close();
    backend.close();
    clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    unused.shutdownNow();
  }

  private String echo(String text) {
    return SimpleServiceGrpc.newBlockingStub(client).withDeadlineAfter(10, TimeUnit.SECONDS)
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage(text).build()).getResponseMessage();
  }

  @Test
  void aRapidResetFloodClosesThatConnectionAndNoOther() throws Exception {
    assertThat(echo("before")).isEqualTo("before");
    CompletableFuture<Long> goAway = new CompletableFuture<>();
    RawClient raw = RawClient.create(goAway);
    Channel ch = new Bootstrap().group(clientLoop).channel(NioSocketChannel.class).handler(raw)
        .connect(new InetSocketAddress("127.0.0.1", forwarder.port())).sync().channel();
    int streams = FrontendHandler.MAX_RESETS_PER_WINDOW + 200;
    ch.eventLoop().submit(() -> {
      ChannelHandlerContext ctx = ch.pipeline().context(raw);
      for (int i = 0; i < streams && ch.isActive(); i++) {
        int id = 2 * i + 1;
        Http2Headers h = new DefaultHttp2Headers().method("POST").scheme("http").path(
            "/grpc.testing.SimpleService/UnaryRpc").authority("router").set("content-type", "application/grpc");
        raw.encoder().writeHeaders(ctx, id, h, 0, false, ctx.newPromise());
        raw.resetStream(ctx, id, Http2Error.CANCEL.code(), ctx.newPromise());
        ctx.flush();
      }
    }).sync();

    assertThat(goAway.get(10, TimeUnit.SECONDS)).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
    assertThat(ch.closeFuture().await(10, TimeUnit.SECONDS)).as("the flooding connection is closed").isTrue();
    assertThat(echo("after")).as("another connection's calls go on").isEqualTo("after");
  }

  @Test
  void anOversizedHeaderBlockIsRefusedAndTheNextCallsGoOn() {
    Metadata big = new Metadata();
    big.put(Metadata.Key.of("x-big", Metadata.ASCII_STRING_MARSHALLER), "x".repeat(16 << 10));
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () ->
        SimpleServiceGrpc.newBlockingStub(client).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(big))
            .withDeadlineAfter(10, TimeUnit.SECONDS).unaryRpc(SimpleRequest.newBuilder().build()));
    assertThat(e).as("a 16 KiB header is over the 8 KiB limit").isNotNull();
    assertThat(backend.unaryHandled.get()).as("refused before any routing").isZero();
    assertThat(echo("next")).isEqualTo("next");
  }

  /** A client connection that writes what the test tells it and reports the router's GOAWAY. */
  private static final class RawClient extends Http2ConnectionHandler {
    private RawClient(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings) {
      super(decoder, encoder, settings);
    }

    static RawClient create(CompletableFuture<Long> goAway) {
      return new Builder(goAway).build();
    }

    private static final class Builder extends AbstractHttp2ConnectionHandlerBuilder<RawClient, Builder> {
      Builder(CompletableFuture<Long> goAway) {
        server(false);
        frameListener(new Http2EventAdapter() {
          @Override
          public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
            goAway.complete(errorCode);
          }

          @Override
          public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding,
              boolean endOfStream) {
            return data.readableBytes() + padding;
          }
        });
      }

      @Override
      protected RawClient build() {
        return super.build();
      }

      @Override
      protected RawClient build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
          Http2Settings initialSettings) {
        return new RawClient(decoder, encoder, initialSettings);
      }
    }
  }
}
