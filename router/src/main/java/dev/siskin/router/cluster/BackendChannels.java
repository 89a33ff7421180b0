package dev.siskin.router.cluster;

import dev.siskin.router.config.FailureSettings;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Opens the router's channel to one backend target. */
public final class BackendChannels {
  /** The HTTP/2 flow-control window per stream and connection, both towards backends and clients. */
  public static final int FLOW_CONTROL_WINDOW = 1 << 20;

  static {
    // dns: targets (and plain host:port ones) are looked up again every router.dns-refresh, not only when a
    // connection fails; see RefreshingDnsNameResolver.
    RefreshingDnsNameResolverProvider.registerOnce();
  }

  private BackendChannels() {}

  /**
   * A plaintext channel to {@code target}, which may be {@code host:port} or any gRPC target URI
   * ({@code dns:///name:port} ...). When the target resolves to several addresses, calls are spread over all
   * of them (round_robin) instead of sticking to the first (grpc's default pick_first).
   *
   * @param maxMessageBytes largest response message accepted from the backend; larger ones fail the call
   *                        with RESOURCE_EXHAUSTED instead of being buffered
   */
  public static ManagedChannel open(String target, int maxMessageBytes) {
    return open(target, maxMessageBytes, new ResolvedAddressBook());
  }

  /** The production factory: {@link #open(String, int, ResolvedAddressBook, FailureSettings.Limits)}. */
  public static final ChannelFactory FACTORY = new ChannelFactory() {
    @Override
    public ManagedChannel open(String target, int maxMessageBytes, ResolvedAddressBook addresses) {
      return BackendChannels.open(target, maxMessageBytes, addresses);
    }

    @Override
    public ManagedChannel open(String target, int maxMessageBytes, ResolvedAddressBook addresses,
        FailureSettings.Limits limits) {
      return BackendChannels.open(target, maxMessageBytes, addresses, limits);
    }

    @Override
    public ManagedChannel open(String target, int maxMessageBytes, ResolvedAddressBook addresses,
        FailureSettings.Limits limits, String healthCheckService) {
      return BackendChannels.open(target, maxMessageBytes, addresses, limits, healthCheckService);
    }
  };

  /**
   * As {@link #open(String, int)}, recording the addresses the target resolves to in {@code addresses}, with
   * the connect timeout and keepalive of reference.conf.
   */
  public static ManagedChannel open(String target, int maxMessageBytes, ResolvedAddressBook addresses) {
    return open(target, maxMessageBytes, addresses, FailureSettings.defaults().limits());
  }

  /**
   * As {@link #open(String, int, ResolvedAddressBook)} with the connect timeout and keepalive of {@code limits}.
   *
   * <p>The channel has one child per event loop of {@link EventLoops#shared()} -- the loops the router's
   * server runs its calls on -- so a forwarded call goes out on the thread it arrived on (see
   * {@link LoopAffineChannel}). Each child resolves the target and records into the same {@code addresses}.
   */
  public static ManagedChannel open(String target, int maxMessageBytes, ResolvedAddressBook addresses,
      FailureSettings.Limits limits) {
    return open(target, maxMessageBytes, addresses, limits, null);
  }

  /**
   * As {@link #open(String, int, ResolvedAddressBook, FailureSettings.Limits)}, and when
   * {@code healthCheckService} is not null every address is health-checked on its own connection
   * (grpc.health.v1.Health/Watch of that service): a new address gets calls once it answers SERVING, one that
   * answers NOT_SERVING gets none until it is SERVING again. A {@code dns:} name is looked up again every
   * {@code limits.dnsRefresh()}.
   */
  public static ManagedChannel open(String target, int maxMessageBytes, ResolvedAddressBook addresses,
      FailureSettings.Limits limits, String healthCheckService) {
    return open(target, maxMessageBytes, addresses, limits, healthCheckService, null);
  }

  /** As above, looking {@code dns:} names up with {@code lookup} (null: the JVM's); for tests. */
  static ManagedChannel open(String target, int maxMessageBytes, ResolvedAddressBook addresses,
      FailureSettings.Limits limits, String healthCheckService, DnsLookup lookup) {
    EventLoops loops = EventLoops.shared();
    Map<String, ?> serviceConfig = AddressRecordingRoundRobin.serviceConfigFor(addresses, healthCheckService);
    List<ManagedChannel> children = new ArrayList<>(loops.loops().size());
    for (EventLoop loop : loops.loops()) {
      children.add(child(target, maxMessageBytes, serviceConfig, addresses, limits, lookup, loop, loops));
    }
    return new LoopAffineChannel(loops.loops(), children);
  }

  private static ManagedChannel child(String target, int maxMessageBytes, Map<String, ?> serviceConfig,
      ResolvedAddressBook addresses, FailureSettings.Limits limits, DnsLookup lookup, EventLoop loop,
      EventLoops loops) {
    NettyChannelBuilder builder = NettyChannelBuilder.forTarget(target)
        .usePlaintext()
        // Read by RefreshingDnsNameResolver; every child records its lookups in the backend's one status.
        .setNameResolverArg(RefreshingDnsNameResolverProvider.REFRESH_INTERVAL, limits.dnsRefresh())
        .setNameResolverArg(RefreshingDnsNameResolverProvider.STATUS, addresses.dns())
        // Every connection of this child lives on this one loop (a loop is a group of one).
        .eventLoopGroup(loop)
        .channelType(loops.channelType())
        // round_robin with per-address health checks, plus a record of the addresses, their states and calls
        // for /clusters (see AddressRecordingRoundRobin).
        // Service config from DNS TXT records is ignored: the router's config is canary.conf alone.
        .defaultServiceConfig(serviceConfig)
        .disableServiceConfigLookUp()
        .maxInboundMessageSize(maxMessageBytes)
        // A fixed window turns off grpc's BDP auto-tuning, whose PING per read burst (and its ack) costs a
        // frame each way on every busy connection; 1 MiB (grpc's initial window) already covers a LAN's
        // bandwidth-delay product many times over. See docs/benchmarks.md.
        .flowControlWindow(FLOW_CONTROL_WINDOW)
        // Forwarding callbacks never block, so they run on the transport's event loop: no thread hop per
        // message. Call listeners inherit that rule (see CallListener).
        .directExecutor()
        // A connect to an address that drops SYNs (host down) fails after this instead of the OS's minutes.
        .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, limits.connectTimeout().toMillis()));
    if (lookup != null) {
      builder.setNameResolverArg(RefreshingDnsNameResolverProvider.LOOKUP, lookup);
    }
    if (!limits.keepaliveTime().isZero()) {
      // Keepalive notices a backend that vanished without closing its connection (host down, network cut,
      // SIGSTOP) after time + timeout, also between calls: the calls on it then fail over instead of waiting
      // out their deadlines. Siskin model servers permit pings every 5 s; see router.keepalive-time.
      builder.keepAliveTime(limits.keepaliveTime().toNanos(), TimeUnit.NANOSECONDS)
          .keepAliveTimeout(limits.keepaliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
          .keepAliveWithoutCalls(true);
    }
    return builder.build();
  }

}
