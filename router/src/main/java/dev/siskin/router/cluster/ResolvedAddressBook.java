package dev.siskin.router.cluster;

import dev.siskin.router.observe.EndpointSnapshot;
import io.grpc.EquivalentAddressGroup;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * What one backend's channel knows about its addresses, for the admin endpoint and metrics: the addresses its
 * target resolved to most recently, the outcome of its DNS lookups, and per address (Envoy's host) the state of
 * its connections and its calls. Written by the
 * channel (name resolver, load balancer, call path), read by the admin endpoint.
 *
 * <p>Thread-safe: a volatile immutable list, {@link DnsStatus}, and a concurrent map of {@link EndpointStats};
 * an address leaves the map once the channel no longer has it and its last call ended (pruned when read).
 */
public final class ResolvedAddressBook {
  private volatile List<String> addresses = List.of();
  private final DnsStatus dns = new DnsStatus();
  private final ConcurrentMap<String, EndpointStats> endpoints = new ConcurrentHashMap<>();
  /** Bumped on every change of the addresses or of an address's connection state (health included). */
  private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();

  /**
   * A number that changes whenever {@link #addresses()} or the state of an endpoint in {@link #endpoints()} may
   * have changed, so that a reader can keep what it derived from them until then (a volatile read).
   */
  public long generation() {
    return generation.get();
  }

  void changed() {
    generation.incrementAndGet();
  }

  /** The last resolved addresses as {@code host:port}, e.g. {@code 10.0.0.7:50051}; empty until resolved. */
  public List<String> addresses() {
    return addresses;
  }

  /** The DNS lookups of the backend's target (none for a target that is no DNS name). */
  public DnsStatus dns() {
    return dns;
  }

  /**
   * Every address the channel is connected (or connecting) to, plus removed ones still carrying calls, in
   * address order.
   */
  public List<EndpointSnapshot> endpoints() {
    List<EndpointSnapshot> out = new ArrayList<>(endpoints.size());
    for (String address : endpoints.keySet()) {
      EndpointStats stats = endpoints.computeIfPresent(address, (k, e) -> e.gone() ? null : e);
      if (stats != null) {
        out.add(stats.snapshot());
      }
    }
    out.sort(Comparator.comparing(EndpointSnapshot::address));
    return List.copyOf(out);
  }

  /**
   * The call counters of {@code address} ({@code host:port} as in {@link #addresses()}), or counters of nothing
   * when the channel does not have it. (An address pruned between this lookup and the call's end loses that call.)
   */
  EndpointCalls calls(String address) {
    EndpointStats stats = endpoints.get(address);
    return stats != null ? stats : EndpointCalls.NONE;
  }

  /** The channel's new connection (subchannel) to {@code address}; the address's stats are made on the first one. */
  EndpointStats.Connection connect(String address) {
    EndpointStats.Connection[] connection = new EndpointStats.Connection[1];
    // compute, not computeIfAbsent + connect: the prune in endpoints() must not drop the stats in between.
    endpoints.compute(address, (k, e) -> {
      EndpointStats stats = e == null ? new EndpointStats(k, this::changed) : e;
      connection[0] = stats.connect();
      return stats;
    });
    return connection[0];
  }

  void record(List<EquivalentAddressGroup> groups) {
    List<String> next = new ArrayList<>();
    for (EquivalentAddressGroup group : groups) {
      for (SocketAddress address : group.getAddresses()) {
        next.add(format(address));
      }
    }
    addresses = List.copyOf(next);
    changed();
  }

  /** {@code ip:port}, IPv6 in brackets. */
  static String format(SocketAddress address) {
    if (address instanceof InetSocketAddress inet) {
      String host = inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
    return address.toString();
  }

  /** {@code ip:port} of a subchannel's addresses (round_robin gives each one address). */
  static String format(List<EquivalentAddressGroup> groups) {
    List<String> all = new ArrayList<>();
    for (EquivalentAddressGroup group : groups) {
      group.getAddresses().forEach(a -> all.add(format(a)));
    }
    return String.join(",", all);
  }
}
