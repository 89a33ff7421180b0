package dev.siskin.router.cluster;

import io.grpc.EquivalentAddressGroup;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The addresses one backend's target resolved to most recently, as its channel's load balancer received
 * them. Written by the channel (name resolver updates), read by the admin endpoint. Thread-safe: a volatile
 * immutable list.
 */
public final class ResolvedAddressBook {
  private volatile List<String> addresses = List.of();

  /** The last resolved addresses as {@code host:port}, e.g. {@code 10.0.0.7:50051}; empty until resolved. */
  public List<String> addresses() {
    return addresses;
  }

  void record(List<EquivalentAddressGroup> groups) {
    List<String> next = new ArrayList<>();
    for (EquivalentAddressGroup group : groups) {
      for (SocketAddress address : group.getAddresses()) {
        next.add(format(address));
      }
    }
    addresses = List.copyOf(next);
  }

  private static String format(SocketAddress address) {
    if (address instanceof InetSocketAddress inet) {
      String host = inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
    return address.toString();
  }
}
