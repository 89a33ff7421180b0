package dev.siskin.router.testing;

import dev.siskin.router.RouterServer;
import dev.siskin.router.cluster.BackendChannels;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.route.PickerFactory;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A router on an ephemeral loopback port with a test picker, plus a client channel to it. */
public final class RouterHarness implements AutoCloseable {
  public final RouterServer router;
  public final RecordingListener calls = new RecordingListener();
  public final ManagedChannel channel;

  public RouterHarness(CanaryConfig config) throws IOException {
    this(config, CyclingPicker::create);
  }

  public RouterHarness(CanaryConfig config, PickerFactory pickers) throws IOException {
    router = RouterServer.create(config, pickers, BackendChannels::open, Duration.ofSeconds(30)).start();
    router.addCallListener(calls);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", router.port())
        .usePlaintext()
        .maxInboundMessageSize(16 << 20)
        .build();
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    channel.awaitTermination(10, TimeUnit.SECONDS);
    router.shutdown(Duration.ofSeconds(5));
  }
}
