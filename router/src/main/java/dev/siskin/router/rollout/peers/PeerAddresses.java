package dev.siskin.router.rollout.peers;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * {@code rollout.routers} turned into the sorted admin addresses of every router; the first is the judge. Every
 * router sorts the same answer the same way (address bytes, IPv4 first, then port), so all agree on the judge
 * while their lookups agree. Stateless.
 */
public final class PeerAddresses {
  /** The order every router uses. */
  public static final Comparator<InetSocketAddress> ORDER = Comparator
      .comparingInt((InetSocketAddress a) -> a.getAddress().getAddress().length)
      // Unsigned: 10.0.0.200 comes after 10.0.0.12, as people read it.
      .thenComparing((InetSocketAddress a) -> a.getAddress().getAddress(), Arrays::compareUnsigned)
      .thenComparingInt(InetSocketAddress::getPort);

  /** A name lookup; the JDK's, or a test's. */
  public interface Lookup {
    InetAddress[] all(String host) throws UnknownHostException;
  }

  private PeerAddresses() {}

  /**
   * @param entries {@code host:port} entries or one {@code dns:///name:port} (as the config reader checked them)
   * @throws UnknownHostException naming the entry that did not resolve
   */
  public static List<InetSocketAddress> resolve(List<String> entries, Lookup lookup) throws UnknownHostException {
    TreeSet<InetSocketAddress> out = new TreeSet<>(ORDER);
    for (String entry : entries) {
      String hostPort = entry.startsWith("dns:") ? entry.substring(entry.lastIndexOf('/') + 1) : entry;
      int colon = hostPort.lastIndexOf(':');
      String host = hostPort.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port = Integer.parseInt(hostPort.substring(colon + 1));
      try {
        for (InetAddress address : lookup.all(host)) {
          out.add(new InetSocketAddress(address, port));
        }
      } catch (UnknownHostException e) {
        throw new UnknownHostException(entry + ": " + e.getMessage());
      }
    }
    return new ArrayList<>(out);
  }

  /** {@code 10.0.0.5:9901} or {@code [fd00::5]:9901}. */
  public static String format(InetSocketAddress address) {
    InetAddress ip = address.getAddress();
    String host = ip == null ? address.getHostString() : ip.getHostAddress();
    return (ip instanceof Inet6Address ? "[" + host + "]" : host) + ":" + address.getPort();
  }
}
