package dev.siskin.router.cluster;

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
}
