package dev.siskin.router.e2e;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;

/** Addresses of this machine's own interfaces (traffic to them never leaves the machine). */
final class LocalAddresses {
  private LocalAddresses() {}

  /** An IPv4 address of an up, non-loopback interface, or null when there is none. */
  static InetAddress nonLoopback() throws SocketException {
    return NetworkInterface.networkInterfaces()
        .filter(LocalAddresses::isUpAndNotLoopback)
        .flatMap(NetworkInterface::inetAddresses)
        .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
        .findFirst().orElse(null);
  }

  private static boolean isUpAndNotLoopback(NetworkInterface nic) {
    try {
      return nic.isUp() && !nic.isLoopback();
    } catch (SocketException e) {
      return false;
    }
  }
}
