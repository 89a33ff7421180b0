package dev.siskin.router.cluster;

import dev.siskin.router.config.FailureSettings;
import io.grpc.ManagedChannel;

/**
 * Opens the long-lived grpc-java channel of one backend (resolution, per-address health, active health checks);
 * {@link BackendChannels#open} in production.
 */
@FunctionalInterface
public interface ChannelFactory {
  /**
   * @param target    {@code host:port} or a gRPC target URI
   * @param addresses where the channel records the addresses its target resolves to
   */
  ManagedChannel open(String target, ResolvedAddressBook addresses);

  /**
   * As {@link #open(String, ResolvedAddressBook)}, with the connect timeout, keepalive and DNS refresh of
   * {@code limits} and per-address health checks of {@code healthCheckService} ({@code ""} = the server as a
   * whole; null = none). Factories that have no use for them (test fakes) keep the default, which ignores them.
   */
  default ManagedChannel open(String target, ResolvedAddressBook addresses, FailureSettings.Limits limits,
      String healthCheckService) {
    return open(target, addresses);
  }

  /** As above, over TLS when {@code tls} is not null; fakes ignore it. */
  default ManagedChannel open(String target, ResolvedAddressBook addresses, FailureSettings.Limits limits,
      String healthCheckService, BackendTls tls) {
    return open(target, addresses, limits, healthCheckService);
  }
}
