package dev.siskin.router.cluster;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.config.FailureSettings;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive outlier detection (Envoy's consecutive-5xx, for gRPC codes): every call attempt reports how it
 * ended; {@code consecutive-failures} attempts in a row ending with one of {@code router.outlier-detection.codes}
 * eject the backend for a time that grows with repeated ejections ({@link Ejections}), unless that would eject
 * more than {@code max-ejection-percent} of the backends. CANCELLED and DEADLINE_EXCEEDED (unless listed)
 * neither count nor reset the run: they say more about the client than about the backend. Any other code resets it.
 *
 * <p>Thread-safety: {@link #record} runs on call threads and is lock-free (one atomic per backend, written
 * only on failures or the first success after one); ejecting and ending ejections run on the health thread.
 */
public final class OutlierDetector {
  private static final Logger log = LoggerFactory.getLogger(OutlierDetector.class);

  private final ScheduledExecutorService thread;
  private final Supplier<? extends ClusterMembers> members;
  private final Runnable changed;
  private final Clock clock;

  /**
   * @param thread  the single health thread, shared with {@link HealthChecker}
   * @param members the backends in force (for the share of ejected backends) and the settings
   * @param changed called on the health thread after an ejection began or ended
   */
  public OutlierDetector(ScheduledExecutorService thread, Supplier<? extends ClusterMembers> members,
      Runnable changed, Clock clock) {
    this.thread = requireNonNull(thread, "thread");
    this.members = requireNonNull(members, "members");
    this.changed = requireNonNull(changed, "changed");
    this.clock = requireNonNull(clock, "clock");
  }

  /**
   * One finished attempt on {@code backend}. Call threads; never blocks. A run that reaches the threshold --
   * or is past it, after a reload lowered it, or while an ejection is blocked -- queues one ejection attempt on
   * the health thread (at most one is queued at a time).
   */
  public void record(Backend backend, Status.Code code) {
    FailureSettings.Outlier settings = members.get().config().router().failure().outlier();
    HostHealth health = backend.health();
    var failures = health.consecutiveFailures;
    if (settings.codes().contains(code)) {
      if (settings.enabled() && failures.incrementAndGet() >= settings.consecutiveFailures()
          && health.ejectionQueued.compareAndSet(false, true)) {
        onHealthThread(() -> tryEject(backend, code));
      }
    } else if (code != Status.Code.CANCELLED && code != Status.Code.DEADLINE_EXCEEDED && failures.get() != 0) {
      failures.set(0);
      if (health.ejectionBlocked.compareAndSet(true, false)) {
        log.info("backend {} answers again ({}); it is no longer a candidate for ejection", backend, code);
      }
    }
  }

  private void tryEject(Backend backend, Status.Code code) {
    HostHealth health = backend.health();
    health.ejectionQueued.set(false);
    ClusterMembers current = members.get();
    FailureSettings.Outlier settings = current.config().router().failure().outlier();
    int failures = health.consecutiveFailures.get();
    if (!settings.enabled() || health.ejected() || backend.state() != Backend.State.ACTIVE
        || !current.backends().contains(backend)) {
      health.consecutiveFailures.set(0);
      return;
    }
    if (failures < settings.consecutiveFailures()) {
      return; // a success reset the run, or a reload raised the threshold, after this attempt was queued
    }
    int ejected = (int) current.backends().stream().filter(b -> b.health().ejected()).count();
    if (!Ejections.mayEject(ejected, current.backends().size(), settings.maxEjectionPercent())) {
      // The run goes on counting, so that the backend is ejected as soon as the others' ejections allow it.
      if (health.ejectionBlocked.compareAndSet(false, true)) {
        log.warn("backend {}: {} consecutive {} but not ejected: {} of {} backends are ejected already "
                + "(router.outlier-detection.max-ejection-percent = {}); said once until it answers again or is ejected",
            backend, failures, code, ejected, current.backends().size(), settings.maxEjectionPercent());
      }
      return;
    }
    health.ejectionBlocked.set(false);
    Instant now = clock.instant();
    Instant until = health.eject(failures + " consecutive calls ended " + code,
        settings.baseEjectionTime(), settings.maxEjectionTime(), now);
    log.warn("backend {} ejected until {} (ejection {} in a row): {} consecutive calls ended {}", backend, until,
        health.status().ejections(), failures, code);
    changed.run();
    long delay = Math.max(0, Duration.between(now, until).toNanos());
    try {
      thread.schedule(() -> {
        if (health.endEjection(until, clock.instant())) {
          log.info("backend {}: ejection ended; back in rotation unless its health checks fail", backend);
          changed.run();
        }
      }, delay, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // the router is shutting down
    }
  }

  private void onHealthThread(Runnable task) {
    try {
      thread.execute(task);
    } catch (RejectedExecutionException e) {
      // the router is shutting down
    }
  }
}
