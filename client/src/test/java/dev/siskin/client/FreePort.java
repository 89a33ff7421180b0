package dev.siskin.client;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** A loopback port with nothing listening on it (free at the time of the call). */
final class FreePort {
  private FreePort() {}

  static String address() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return "127.0.0.1:" + socket.getLocalPort();
    }
  }
}
