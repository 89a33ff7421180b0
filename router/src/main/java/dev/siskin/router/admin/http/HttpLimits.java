package dev.siskin.router.admin.http;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * What one {@link BoundedHttpServer} lets its clients take. Each resource a client can hold -- time, memory, a
 * connection slot, a worker -- has a bound, so that no client, however slow, large or numerous, holds up another's
 * request for longer than these say.
 *
 * @param headTimeout     from accept to the end of the request head (request line and headers); then 408 and close.
 *                        A deadline for the whole head, not an idle timeout: a byte a second does not extend it
 * @param maxHeadBytes    request line and headers together; beyond: 414 (request line) or 431 (headers), unread
 * @param maxHeaders      header fields in one request; beyond: 431
 * @param maxConnections  connections open at once; one more closes the oldest still sending its head, or is closed
 * @param workers         threads that build the responses not answered at once on the I/O thread
 * @param queue           requests waiting for a worker; beyond: 503. A request waits only for those ahead of it,
 *                        each bounded by {@code responseTimeout}
 * @param responseTimeout to build and send one response, from when a worker (or the I/O thread, for an answer it
 *                        has at once) starts on it; then the connection is cut
 * @param lingerTimeout   after a response, how long the server reads and drops what the client still sends (e.g.
 *                        a body it refused) before it closes: closing with bytes unread makes the kernel send a
 *                        reset, which can destroy the response before the client has read it
 */
public record HttpLimits(
    Duration headTimeout,
    int maxHeadBytes,
    int maxHeaders,
    int maxConnections,
    int workers,
    int queue,
    Duration responseTimeout,
    Duration lingerTimeout) {

  /**
   * For an admin endpoint: a few seconds for a head that real clients send in one packet; 16 KiB, room for the
   * cookies a browser on localhost sends along; far more connections than a deployment's scrapers and probes.
   */
  public static final HttpLimits DEFAULTS = new HttpLimits(Duration.ofSeconds(5), 16 * 1024, 100, 128, 4, 16,
      Duration.ofSeconds(30), Duration.ofSeconds(2));

  public HttpLimits {
    positive("headTimeout", requireNonNull(headTimeout, "headTimeout"));
    positive("responseTimeout", requireNonNull(responseTimeout, "responseTimeout"));
    positive("lingerTimeout", requireNonNull(lingerTimeout, "lingerTimeout"));
    atLeast("maxHeadBytes", maxHeadBytes, 64);
    atLeast("maxHeaders", maxHeaders, 1);
    atLeast("maxConnections", maxConnections, 1);
    atLeast("workers", workers, 1);
    atLeast("queue", queue, 1);
  }

  private static void positive(String name, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
    }
  }

  private static void atLeast(String name, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= " + min + ")");
    }
  }
}
