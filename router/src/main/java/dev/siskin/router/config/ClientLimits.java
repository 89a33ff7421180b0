package dev.siskin.router.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * What the router allows one client before it closes a connection itself (read at start; a change needs a
 * restart).
 *
 * @param idleTimeout              a client connection with no call running that has sent and received nothing for
 *                                 this long gets GOAWAY and is closed ({@code router.client-idle-timeout}); zero: never.
 *                                 A half-sent header block (slowloris) ends this way too
 * @param maxConnectionsPerAddress client connections from one IP address at once
 *                                 ({@code router.max-connections-per-client-address}); one more is closed at accept;
 *                                 zero: no limit
 */
public record ClientLimits(Duration idleTimeout, int maxConnectionsPerAddress) {
  /** reference.conf's values. */
  public static final ClientLimits DEFAULTS = new ClientLimits(Duration.ofMinutes(5), 1000);

  public ClientLimits {
    requireNonNull(idleTimeout, "idleTimeout");
    if (idleTimeout.isNegative() || maxConnectionsPerAddress < 0) {
      throw new IllegalArgumentException("idleTimeout " + idleTimeout + ", maxConnectionsPerAddress "
          + maxConnectionsPerAddress + " (expected: >= 0)");
    }
  }
}
