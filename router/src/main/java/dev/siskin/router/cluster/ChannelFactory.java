package dev.siskin.router.cluster;

import dev.siskin.router.config.FailureSettings;
import io.grpc.ManagedChannel;

/** Opens the long-lived channel of one backend; {@link BackendChannels#open} in production. */
@FunctionalInterface
public interface ChannelFactory {
  /**
   * @param target          {@code host:port} or a gRPC target URI
   * @param maxMessageBytes largest response message the channel accepts
   * @param addresses       where the channel records the addresses its target resolves to
   */
  ManagedChannel open(String target, int maxMessageBytes, ResolvedAddressBook addresses);

  /**
   * As {@link #open(String, int, ResolvedAddressBook)}, with the connect timeout and keepalive of
   * {@code limits}. Factories that have no use for them (test fakes) keep the default, which ignores them.
   */
  default ManagedChannel open(String target, int maxMessageBytes, ResolvedAddressBook addresses,
      FailureSettings.Limits limits) {
    return open(target, maxMessageBytes, addresses);
  }

  /**
   * As {@link #open(String, int, ResolvedAddressBook, FailureSettings.Limits)}, with per-address health checks
   * of {@code healthCheckService} ({@code ""} = the server as a whole; null = none). Fakes keep the default.
   */
  default ManagedChannel open(String target, int maxMessageBytes, ResolvedAddressBook addresses,
      FailureSettings.Limits limits, String healthCheckService) {
    return open(target, maxMessageBytes, addresses, limits);
  }
}
