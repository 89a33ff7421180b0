package dev.siskin.router.cluster;

import dev.siskin.router.config.FailureSettings;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Opens the grpc-java channel the router keeps to one backend target. No call is forwarded on it (the frame core
 * opens its own connections): it resolves the target, watches the health of every address it resolved to, and
 * carries the active health checks ({@link HealthChecker}). What it learns is recorded in the backend's
 * {@link ResolvedAddressBook}, where the frame core reads the addresses to call and their states.
 */
public final class BackendChannels {
  static {
    // dns: targets (and plain host:port ones) are looked up again every router.dns-refresh, not only when a
    // connection fails; see RefreshingDnsNameResolver.
    RefreshingDnsNameResolverProvider.registerOnce();
  }

  private BackendChannels() {}

  /** The production factory: {@link #open(String, ResolvedAddressBook, FailureSettings.Limits, String)}. */
  public static final ChannelFactory FACTORY = new ChannelFactory() {
    @Override
    public ManagedChannel open(String target, ResolvedAddressBook addresses) {
      return BackendChannels.open(target, addresses);
    }

    @Override
    public ManagedChannel open(String target, ResolvedAddressBook addresses, FailureSettings.Limits limits,
        String healthCheckService) {
      return BackendChannels.open(target, addresses, limits, healthCheckService);
    }

    @Override
    public ManagedChannel open(String target, ResolvedAddressBook addresses, FailureSettings.Limits limits,
        String healthCheckService, BackendTls tls) {
      return BackendChannels.open(target, addresses, limits, healthCheckService, null, tls);
    }
  };

  /**
   * A plaintext channel to {@code target}, which may be {@code host:port} or any gRPC target URI
   * ({@code dns:///name:port} ...), recording the addresses it resolves to in {@code addresses}, with the
   * connect timeout and keepalive of reference.conf and no per-address health checks.
   */
  public static ManagedChannel open(String target, ResolvedAddressBook addresses) {
    return open(target, addresses, FailureSettings.defaults().limits(), null);
  }

  /**
   * As {@link #open(String, ResolvedAddressBook)} with the connect timeout, keepalive and DNS refresh of
   * {@code limits}; when {@code healthCheckService} is not null every address is health-checked on its own
   * connection (grpc.health.v1.Health/Watch of that service): the address book marks a new address healthy once
   * it answers SERVING, and one that answers NOT_SERVING unhealthy until it is SERVING again. Every resolved
   * address is connected to (round_robin), so that each one's state is known. A {@code dns:} name is looked up
   * again every {@code limits.dnsRefresh()}.
   */
  public static ManagedChannel open(String target, ResolvedAddressBook addresses, FailureSettings.Limits limits,
      String healthCheckService) {
    return open(target, addresses, limits, healthCheckService, null);
  }

  /** As above, looking {@code dns:} names up with {@code lookup} (null: the JVM's); for tests. */
  static ManagedChannel open(String target, ResolvedAddressBook addresses, FailureSettings.Limits limits,
      String healthCheckService, DnsLookup lookup) {
    return open(target, addresses, limits, healthCheckService, lookup, null);
  }

  /** As above, over TLS when {@code tls} is not null (its trust, client certificate and name). */
  static ManagedChannel open(String target, ResolvedAddressBook addresses, FailureSettings.Limits limits,
      String healthCheckService, DnsLookup lookup, BackendTls tls) {
    Map<String, ?> serviceConfig = AddressRecordingRoundRobin.serviceConfigFor(addresses, healthCheckService);
    NettyChannelBuilder builder = tls == null ? NettyChannelBuilder.forTarget(target).usePlaintext()
        : NettyChannelBuilder.forTarget(target, tls.grpcCredentials());
    if (tls != null && tls.authorityOverride() != null) {
      builder.overrideAuthority(tls.authorityOverride());
    }
    builder
        // Read by RefreshingDnsNameResolver, which records its lookups in the backend's DNS status.
        .setNameResolverArg(RefreshingDnsNameResolverProvider.REFRESH_INTERVAL, limits.dnsRefresh())
        .setNameResolverArg(RefreshingDnsNameResolverProvider.STATUS, addresses.dns())
        // round_robin with per-address health checks, plus a record of the addresses and their states for the
        // frame core and /clusters (see AddressRecordingRoundRobin).
        // Service config from DNS TXT records is ignored: the router's config is canary.conf alone.
        .defaultServiceConfig(serviceConfig)
        .disableServiceConfigLookUp()
        // A connect to an address that drops SYNs (host down) fails after this instead of the OS's minutes.
        .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.min(Integer.MAX_VALUE, limits.connectTimeout().toMillis()));
    if (lookup != null) {
      builder.setNameResolverArg(RefreshingDnsNameResolverProvider.LOOKUP, lookup);
    }
    if (!limits.keepaliveTime().isZero()) {
      // Keepalive notices a backend that vanished without closing its connection (host down, network cut,
      // SIGSTOP) after time + timeout, also between checks. Siskin model servers permit pings every 5 s; see
      // router.keepalive-time.
      builder.keepAliveTime(limits.keepaliveTime().toNanos(), TimeUnit.NANOSECONDS)
          .keepAliveTimeout(limits.keepaliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
          .keepAliveWithoutCalls(true);
    }
    return builder.build();
  }
}
