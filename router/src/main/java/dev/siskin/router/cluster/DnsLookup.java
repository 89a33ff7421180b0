package dev.siskin.router.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * Looks a host name up: every address it has now. {@link #JDK} in production (the JVM's resolver, with its
 * cache, hosts file and {@code jdk.net.hosts.file}); tests feed answers that grow, shrink and fail. May block:
 * call it only off the event loops.
 */
@FunctionalInterface
public interface DnsLookup {
  /** {@link InetAddress#getAllByName}: the OS resolver behind the JVM's address cache. */
  DnsLookup JDK = host -> Arrays.asList(InetAddress.getAllByName(host));

  /**
   * @return the addresses, never empty
   * @throws UnknownHostException when the name has no address or the lookup failed
   */
  List<InetAddress> lookup(String host) throws UnknownHostException;
}
