package dev.siskin.router.cluster;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.FailureSettings;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checks (Envoy's gRPC health checker): every {@code router.health-check.interval}, one
 * {@code grpc.health.v1.Health/Check} per backend on the backend's own channel, failing after
 * {@code timeout}; the results go through each backend's {@link ActiveHealth} thresholds.
 *
 * <p>A check passes when the backend answers SERVING. It fails on NOT_SERVING, on an error status (a
 * misnamed service is NOT_FOUND), on no answer within the timeout (a hung process), and when the channel
 * cannot connect. UNIMPLEMENTED passes: the server has no health service but answered a gRPC call, so it is up
 * (logged once per backend). A target that resolves to several addresses is checked as one backend: its
 * channel sends each check to the next address (round_robin). Each address also has a health check of its own
 * inside the channel (grpc's Health/Watch per subchannel, see {@link BackendChannels}): an address that is down
 * or NOT_SERVING is out of the rotation, so these checks fail only when no address of the backend can serve.
 *
 * <p>Thread-safety: everything after the RPC runs on the one health thread, which {@link OutlierDetector}
 * shares; a state change calls {@code changed} there, and the router rebuilds its routing table from it.
 */
public final class HealthChecker {
  private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);
  /**
   * Long enough for a JVM model server started beside the router to load its model and serve (a few seconds
   * here, more on a loaded node), short enough that a wrong target is reported while someone still watches.
   */
  static final Duration DEFAULT_NOT_UP_WARNING = Duration.ofSeconds(30);

  private final ScheduledExecutorService thread;
  private final Supplier<? extends ClusterMembers> members;
  private final Runnable changed;
  private final Clock clock;
  /** Backends with a check in flight, so a slow backend never has two. Health thread only. */
  private final Set<Backend> checking = Collections.newSetFromMap(new IdentityHashMap<>());
  /** Backends already reported as having no health service. Health thread only. */
  private final Set<Backend> noHealthService = Collections.newSetFromMap(new IdentityHashMap<>());
  /**
   * Backends that have never passed a check, with when their first check failed. Health thread only. A
   * backend that is not up yet is normal at start (INFO); one that stays down this long is a problem (WARN).
   */
  private final Map<Backend, NotUp> notUp = new IdentityHashMap<>();
  private final Duration notUpWarning;
  private volatile boolean stopped;

  /**
   * @param thread  the single health thread
   * @param members the backends in force, read at every round
   * @param changed called on the health thread after any backend's health state changed
   */
  public HealthChecker(ScheduledExecutorService thread, Supplier<? extends ClusterMembers> members,
      Runnable changed, Clock clock) {
    this(thread, members, changed, clock, DEFAULT_NOT_UP_WARNING);
  }

  /**
   * @param notUpWarning how long a backend that has never passed a check may keep failing before a WARN says
   *                     so (once); before that its failures are logged at INFO as "not serving yet"
   */
  HealthChecker(ScheduledExecutorService thread, Supplier<? extends ClusterMembers> members, Runnable changed,
      Clock clock, Duration notUpWarning) {
    this.thread = requireNonNull(thread, "thread");
    this.members = requireNonNull(members, "members");
    this.changed = requireNonNull(changed, "changed");
    this.clock = requireNonNull(clock, "clock");
    this.notUpWarning = requireNonNull(notUpWarning, "notUpWarning");
  }

  /** Runs the first round now, the next ones every interval. */
  public void start() {
    thread.execute(this::round);
  }

  /** Stops scheduling rounds; checks in flight finish on their own. */
  public void stop() {
    stopped = true;
  }

  private void round() {
    if (stopped) {
      return;
    }
    ClusterMembers current = members.get();
    FailureSettings.HealthCheck settings = current.config().router().failure().healthCheck();
    try {
      if (settings.enabled()) {
        List<Backend> backends = current.backends();
        for (int i = 0; i < backends.size(); i++) {
          Backend backend = backends.get(i);
          if (backend.state() == Backend.State.ACTIVE && checking.add(backend)) {
            check(backend, current.config().backends().get(i), settings);
          }
        }
      } else {
        boolean any = false;
        for (Backend backend : current.backends()) {
          any |= backend.health().clearChecks(clock.instant());
        }
        if (any) {
          changed.run();
        }
      }
    } catch (RuntimeException e) {
      log.warn("health-check round failed; trying again in {}", settings.interval(), e);
    } finally {
      schedule(settings.interval().toNanos());
    }
  }

  private void schedule(long delayNanos) {
    try {
      thread.schedule(this::round, delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // the router is shutting down
    }
  }

  private void check(Backend backend, BackendSpec spec, FailureSettings.HealthCheck settings) {
    String service = spec.healthCheckService(members.get().config().router());
    var request = HealthCheckRequest.newBuilder().setService(service).build();
    var answer = HealthGrpc.newFutureStub(backend.channel())
        .withDeadlineAfter(settings.timeout().toNanos(), TimeUnit.NANOSECONDS)
        .check(request);
    Futures.addCallback(answer, new FutureCallback<>() {
      @Override
      public void onSuccess(HealthCheckResponse response) {
        boolean serving = response.getStatus() == HealthCheckResponse.ServingStatus.SERVING;
        onHealthThread(() -> done(backend, serving, serving ? "" : "health check answered " + response.getStatus()
            + (service.isEmpty() ? "" : " for service \"" + service + "\"")));
      }

      @Override
      public void onFailure(Throwable t) {
        Status status = Status.fromThrowable(t);
        onHealthThread(() -> failed(backend, status, service, settings));
      }
    }, MoreExecutors.directExecutor());
  }

  private void failed(Backend backend, Status status, String service, FailureSettings.HealthCheck settings) {
    switch (status.getCode()) {
      case UNIMPLEMENTED -> {
        if (noHealthService.add(backend)) {
          log.info("backend {} has no grpc.health.v1 service; it counts as healthy while it answers", backend);
        }
        done(backend, true, "");
      }
      case DEADLINE_EXCEEDED -> done(backend, false, false,
          "health check got no answer within " + settings.timeout().toMillis() + " ms");
      case NOT_FOUND -> done(backend, false, "health check: the backend does not know service \"" + service
          + "\" (set router.health-check.service or backends." + backend.name() + ".health-check-service)");
      default -> {
        if (status.getCode() == Status.Code.UNAVAILABLE) {
          // Reconnect at the next check instead of after the channel's growing backoff.
          backend.resetConnectBackoff();
        }
        done(backend, false, "health check failed: " + status.getCode()
            + (status.getDescription() == null ? "" : " " + status.getDescription()));
      }
    }
  }

  private void done(Backend backend, boolean passed, String reason) {
    done(backend, passed, true, reason);
  }

  /** @param definite false when the check only ran out of time (see {@link ActiveHealth}) */
  private void done(Backend backend, boolean passed, boolean definite, String reason) {
    checking.remove(backend);
    if (backend.state() != Backend.State.ACTIVE || stopped) {
      return;
    }
    FailureSettings.HealthCheck settings = members.get().config().router().failure().healthCheck();
    HostHealth health = backend.health();
    HostHealth.State before = health.status().state();
    boolean wasUp = health.everHealthy();
    Instant now = clock.instant();
    boolean changedState = health.recordCheck(passed, definite, reason, settings.healthyThreshold(),
        settings.unhealthyThreshold(), now);
    if (changedState) {
      HostHealth.State after = health.status().state();
      if (after == HostHealth.State.UNHEALTHY && !wasUp) {
        log.info("backend {} is not serving yet: {}; it gets calls once {} checks pass", backend, reason,
            settings.healthyThreshold());
      } else if (after == HostHealth.State.UNHEALTHY) {
        log.warn("backend {} is unhealthy: {}; no new calls until {} checks pass", backend, reason,
            settings.healthyThreshold());
      } else if (before != after) {
        log.info("backend {} is {}", backend, after.name().toLowerCase(java.util.Locale.ROOT));
      }
    }
    warnIfNeverUp(backend, passed, reason, now);
    if (changedState) {
      changed.run();
    }
  }

  /** One WARN for a backend that has failed every check for {@link #notUpWarning} since its first one. */
  private void warnIfNeverUp(Backend backend, boolean passed, String reason, Instant now) {
    if (passed || backend.health().everHealthy()) {
      notUp.remove(backend);
      return;
    }
    NotUp since = notUp.computeIfAbsent(backend, b -> new NotUp(now, false));
    Duration down = Duration.between(since.firstFailure(), now);
    if (!since.warned() && down.compareTo(notUpWarning) >= 0) {
      log.warn("backend {} has not passed a health check in the {} s since its first one: {}; check that it runs "
          + "and that its target is right", backend, down.toSeconds(), reason);
      notUp.put(backend, new NotUp(since.firstFailure(), true));
    }
  }

  /** A backend that has never passed a check: since when it fails, and whether the WARN was logged. */
  private record NotUp(Instant firstFailure, boolean warned) {}

  private void onHealthThread(Runnable task) {
    try {
      thread.execute(task);
    } catch (RejectedExecutionException e) {
      // the router is shutting down
    }
  }
}
