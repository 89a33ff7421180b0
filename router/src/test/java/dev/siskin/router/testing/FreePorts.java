package dev.siskin.router.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Free loopback ports for a child whose config file must name its ports up front: bind port 0, note the
 * port, close. Another process may take the port before the child binds it, so callers retry the start
 * with new ports when the child reports the address in use (the e2e RouterJar does).
 */
public final class FreePorts {
  private FreePorts() {}

  /** {@code count} distinct ports that were free a moment ago, never the fixed defaults of the project. */
  public static int[] pick(int count) {
    Set<Integer> ports = new HashSet<>();
    for (int attempt = 0; ports.size() < count && attempt < 100; attempt++) {
      int port = bindAndRelease();
      if (port < 50051 || port > 50053) { // the OS never hands these out as ephemeral here, but be sure
        if (port != 9901) {
          ports.add(port);
        }
      }
    }
    if (ports.size() < count) {
      throw new IllegalStateException("could not find " + count + " free ports in 100 attempts");
    }
    return ports.stream().mapToInt(Integer::intValue).toArray();
  }

  private static int bindAndRelease() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
