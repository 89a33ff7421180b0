package dev.siskin.router.cluster;

import dev.siskin.router.observe.DnsSnapshot;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The outcome of one backend's DNS lookups, written by its channel's resolver: what {@code /clusters} shows, and
 * whether a lookup starts or ends a failing streak -- so the backend logs one WARN per streak, not one per lookup. Thread-safe: one atomic reference to an immutable snapshot.
 */
public final class DnsStatus {
  private final AtomicReference<DnsSnapshot> snapshot = new AtomicReference<>(DnsSnapshot.NONE);

  /** The lookups so far. */
  public DnsSnapshot snapshot() {
    return snapshot.get();
  }

  /** Records a lookup that answered; true if it ends a failing streak (log that it recovered). */
  boolean succeeded(Instant at) {
    return snapshot.getAndUpdate(s -> s.afterSuccess(at)).failing();
  }

  /** Records a failed lookup; true if it starts a failing streak (log it). */
  boolean failed(Instant at, String error) {
    return !snapshot.getAndUpdate(s -> s.afterFailure(at, error)).failing();
  }
}
