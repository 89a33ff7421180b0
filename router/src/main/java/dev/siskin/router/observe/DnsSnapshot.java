package dev.siskin.router.observe;

import java.time.Instant;

/**
 * What the router's own DNS re-resolution of one backend's {@code dns:} target saw, for {@code /clusters}.
 * Immutable.
 *
 * @param lastSuccessAt when a lookup last answered with addresses; null if none did yet
 * @param lastError     why the last failed lookup failed (e.g. {@code UnknownHostException: v2.ns.svc...});
 *                      null if none failed yet. Kept after a success, so a flapping name shows what it was
 * @param lastErrorAt   when that was; null if no lookup failed yet
 * @param failing       the most recent lookup failed: the backend keeps the last good set of addresses
 */
public record DnsSnapshot(Instant lastSuccessAt, String lastError, Instant lastErrorAt, boolean failing) {
  /** No lookup made (yet), or the target is no DNS name. */
  public static final DnsSnapshot NONE = new DnsSnapshot(null, null, null, false);

  /** This snapshot after a lookup that succeeded at {@code at}. */
  public DnsSnapshot afterSuccess(Instant at) {
    return new DnsSnapshot(at, lastError, lastErrorAt, false);
  }

  /** This snapshot after a lookup that failed at {@code at} with {@code error}. */
  public DnsSnapshot afterFailure(Instant at, String error) {
    return new DnsSnapshot(lastSuccessAt, error, at, true);
  }
}
