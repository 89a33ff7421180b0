package dev.siskin.router.cluster;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The health of one backend as the router sees it: the verdict of active health checks, whether passive
 * outlier detection has ejected it, and why. A backend gets new calls while it is {@link State#HEALTHY} or
 * {@link State#UNKNOWN} (not checked yet, or checks turned off).
 *
 * <p>Thread-safety: state changes happen only on the health thread ({@link HealthChecker},
 * {@link OutlierDetector}); each publishes an immutable {@link Status} through a volatile field that any
 * thread (routing, admin) reads. The passive failure counter is the one field written from call threads.
 */
public final class HostHealth {
  /** Health for routing; see the class Javadoc. */
  public enum State {
    UNKNOWN, HEALTHY, UNHEALTHY, EJECTED;

    /** Whether a backend in this state gets new calls (outside panic mode). */
    public boolean routable() {
      return this == UNKNOWN || this == HEALTHY;
    }
  }

  /**
   * One immutable reading.
   *
   * @param state        health for routing
   * @param reason       why, e.g. {@code "2 failed health checks: DEADLINE_EXCEEDED ..."}; empty when healthy
   * @param since        when the state began
   * @param ejections    ejections so far in the current run (see {@link Ejections}); 0 when none
   * @param ejectedUntil end of the current ejection, or null when not ejected
   */
  public record Status(State state, String reason, Instant since, int ejections, Instant ejectedUntil) {
    public Status {
      requireNonNull(state, "state");
      requireNonNull(reason, "reason");
      requireNonNull(since, "since");
    }
  }

  /** Consecutive calls that ended with an outlier-detection code. Written from call threads. */
  final AtomicInteger consecutiveFailures = new AtomicInteger();
  /** An ejection attempt is queued on the health thread: later failures need not queue another one. */
  final AtomicBoolean ejectionQueued = new AtomicBoolean();
  /**
   * Outlier detection would eject this backend but max-ejection-percent forbids it; set and cleared once per
   * change, so that the log says so once, not at every failure.
   */
  final AtomicBoolean ejectionBlocked = new AtomicBoolean();
  /** Health thread only. */
  private final ActiveHealth active = new ActiveHealth();
  /** Health thread only: reason of the last failed check, shown while unhealthy. */
  private String activeReason = "";
  /** Health thread only: when the last ejection ended, to let the ejection count decay. */
  private Instant lastEjectionEnded;
  /** Lifetime count of ejections, for metrics. Written on the health thread. */
  private volatile long ejectionsTotal;
  private volatile Status status;
  /**
   * Whether the checks have ever found this backend healthy. Until then a failing check means "not up yet"
   * (a router started before its backends, a backend just added), not "went down". Written on the health thread.
   */
  private volatile boolean everHealthy;

  HostHealth(Instant now) {
    this.status = new Status(State.UNKNOWN, "not checked yet", now, 0, null);
  }

  public Status status() {
    return status;
  }

  /** Whether new calls may go to this backend (outside panic mode). Lock-free. */
  public boolean routable() {
    return status.state().routable();
  }

  /** Whether active health checks have ever found this backend healthy since it was created. */
  public boolean everHealthy() {
    return everHealthy;
  }

  /** How many times outlier detection ejected this backend since it was created. */
  public long ejectionsTotal() {
    return ejectionsTotal;
  }

  /**
   * Health thread: one health-check result; {@code definite} is false for "no answer in time" (see
   * {@link ActiveHealth}). Returns true when the state changed.
   */
  boolean recordCheck(boolean passed, boolean definite, String reason, int healthyThreshold, int unhealthyThreshold,
      Instant now) {
    if (!passed) {
      activeReason = reason;
    }
    ActiveHealth.Verdict before = active.verdict();
    if (!active.record(passed, definite, healthyThreshold, unhealthyThreshold)) {
      return false;
    }
    Status s = status;
    if (before == ActiveHealth.Verdict.UNHEALTHY && s.ejectedUntil() != null) {
      // The checks saw it down and now up again: a restarted backend, whose earlier failures (those that
      // ejected it) say nothing about the new process. It gets its share back without waiting out the ejection.
      lastEjectionEnded = now;
      consecutiveFailures.set(0);
      status = new Status(State.UNKNOWN, "", now, s.ejections(), null);
    }
    return publish(now);
  }

  /** Health thread: checks turned off; back to UNKNOWN. Returns true when the state changed. */
  boolean clearChecks(Instant now) {
    return active.reset() && publish(now);
  }

  boolean ejected() {
    return status.ejectedUntil() != null;
  }

  /** Health thread: ejects until {@code now + duration(ejections)}; returns the ejection's end. */
  Instant eject(String reason, Duration base, Duration max, Instant now) {
    Status s = status;
    int ejections = s.ejections();
    if (lastEjectionEnded != null && Duration.between(lastEjectionEnded, now).compareTo(max) >= 0) {
      ejections = 0; // stayed in service long enough: start again from the base time
    }
    ejections++;
    Instant until = now.plus(Ejections.duration(ejections, base, max));
    ejectionsTotal++;
    consecutiveFailures.set(0);
    status = new Status(State.EJECTED, reason + "; ejected until " + until, now, ejections, until);
    return until;
  }

  /** Health thread: ends the ejection if {@code until} is still the current one. Returns true when it did. */
  boolean endEjection(Instant until, Instant now) {
    Status s = status;
    if (s.ejectedUntil() == null || !s.ejectedUntil().equals(until)) {
      return false;
    }
    lastEjectionEnded = now;
    consecutiveFailures.set(0);
    status = new Status(State.UNKNOWN, "", now, s.ejections(), null);
    publish(now);
    return true;
  }

  /** Recomputes the state from the active verdict (ejection wins); true when it changed. */
  private boolean publish(Instant now) {
    Status s = status;
    if (s.ejectedUntil() != null) {
      return false; // ejected: the checks' verdict shows again when the ejection ends
    }
    State state;
    String reason;
    switch (active.verdict()) {
      case HEALTHY -> {
        state = State.HEALTHY;
        reason = "";
        everHealthy = true;
      }
      case UNHEALTHY -> {
        state = State.UNHEALTHY;
        reason = activeReason;
      }
      default -> {
        state = State.UNKNOWN;
        reason = "not checked yet";
      }
    }
    if (state == s.state() && reason.equals(s.reason())) {
      return false;
    }
    status = new Status(state, reason, state == s.state() ? s.since() : now, s.ejections(), null);
    return true;
  }
}
