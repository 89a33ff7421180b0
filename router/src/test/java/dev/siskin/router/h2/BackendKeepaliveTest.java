package dev.siskin.router.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.cluster.ResolvedAddressBook;
import dev.siskin.router.config.RoutingSettings;
import dev.siskin.router.observe.RouteCause;
import dev.siskin.router.route.Selection;
import dev.siskin.router.testing.RecordingListener;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2EventAdapter;
import io.netty.handler.codec.http2.Http2Settings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Keepalive on the frame core's backend connections: a backend that takes a call and then neither answers it nor
 * a PING (a hung process, a path that died without a FIN) has its connection dropped after keepalive-time plus
 * keepalive-timeout, and its call ends UNAVAILABLE then instead of at its deadline; one that answers PINGs but is
 * merely slow is left alone.
 */
@ExtendWith(LeakCheck.class)
class BackendKeepaliveTest {
  private final ManagedChannel unused = InProcessChannelBuilder.forName("never-called").build();
  private final MultiThreadIoEventLoopGroup backendLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private FrameForwarder forwarder;
  private ManagedChannel client;
  private Channel silentBackend;

  @AfterEach
  void stop() throws Exception {
    if (client != null) {
      client.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (forwarder != null) {
      forwarder.close();
    }
    if (silentBackend != null) {
      silentBackend.close().syncUninterruptibly();
    }
    backendLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    unused.shutdownNow();
  }

  /** An h2c server that reads every frame and answers no call; it acks PINGs only if {@code acksPings}. */
  private int startSilentBackend(boolean acksPings) throws InterruptedException {
    silentBackend = new ServerBootstrap().group(backendLoop).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new SilentBuilder(acksPings).build());
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    return ((InetSocketAddress) silentBackend.localAddress()).getPort();
  }

  private void startRouter(int backendPort) throws InterruptedException {
    Backend backend = new Backend("v1", "127.0.0.1:" + backendPort, unused, new ResolvedAddressBook());
    forwarder = new FrameForwarder((method, headers, tried) -> {
      backend.tryAcquire();
      return new Selection(backend, Selection.Refusal.NONE, false, RouteCause.WEIGHT, 1.0, null);
    }, () -> new RoutingSettings("x-canary-backend", "", ""), new RecordingListener(), () -> Duration.ZERO, null,
        null, 1, 2000, Duration.ofMillis(300), Duration.ofMillis(300))
        .start(new InetSocketAddress("127.0.0.1", 0));
    client = Grpc.newChannelBuilder("127.0.0.1:" + forwarder.port(), InsecureChannelCredentials.create()).build();
  }

  private StatusRuntimeException callWithDeadline(Duration deadline) {
    return catchThrowableOfType(StatusRuntimeException.class, () -> SimpleServiceGrpc.newBlockingStub(client)
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage("anyone there?").build()));
  }

  @Test
  void aBackendThatAnswersNeitherTheCallNorAPingIsDroppedBeforeTheDeadline() throws Exception {
    startRouter(startSilentBackend(false));
    StatusRuntimeException e = callWithDeadline(Duration.ofSeconds(30));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getStatus().getDescription()).contains("did not answer a keepalive ping within 300 ms");
  }

  @Test
  void aSlowBackendThatAnswersPingsIsLeftToTheDeadline() throws Exception {
    startRouter(startSilentBackend(true));
    StatusRuntimeException e = callWithDeadline(Duration.ofSeconds(2));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
  }

  private static final class SilentBuilder
      extends AbstractHttp2ConnectionHandlerBuilder<Http2ConnectionHandler, SilentBuilder> {
    SilentBuilder(boolean acksPings) {
      server(true);
      autoAckPingFrame(acksPings);
      frameListener(new Http2EventAdapter() {
        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding,
            boolean endOfStream) {
          return data.readableBytes() + padding;
        }
      });
    }

    @Override
    protected Http2ConnectionHandler build() {
      return super.build();
    }

    @Override
    protected Http2ConnectionHandler build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
        Http2Settings initialSettings) {
      return new Http2ConnectionHandler(decoder, encoder, initialSettings) {};
    }
  }
}
