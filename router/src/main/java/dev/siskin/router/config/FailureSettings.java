package dev.siskin.router.config;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;
import java.time.Duration;
import java.util.Set;

/**
 * How the router handles failing backends: the failure-handling keys of canary.conf's {@code router} block
 * (documented in reference.conf and docs/failure-handling.md). Immutable; the defaults live in reference.conf
 * alone and are read from it by {@link #defaults()}.
 *
 * @param healthCheck active health checks
 * @param outlier     passive outlier detection
 * @param retry       retries before response headers, and their budget
 * @param limits      deadlines, connections, in-flight caps and the drain on SIGTERM
 */
public record FailureSettings(HealthCheck healthCheck, Outlier outlier, Retry retry, Limits limits) {
  public FailureSettings {
    requireNonNull(healthCheck, "healthCheck");
    requireNonNull(outlier, "outlier");
    requireNonNull(retry, "retry");
    requireNonNull(limits, "limits");
  }

  /** The settings of reference.conf, i.e. of a canary.conf that sets none of these keys. */
  public static FailureSettings defaults() {
    return CanaryConfigParser.defaultFailureSettings();
  }

  /**
   * {@code router.health-check}: grpc.health.v1.Health/Check every {@code interval}, failing after
   * {@code timeout}; {@code unhealthyThreshold} failures in a row mark a backend unhealthy,
   * {@code healthyThreshold} passes bring it back.
   */
  public record HealthCheck(boolean enabled, Duration interval, Duration timeout, int unhealthyThreshold,
      int healthyThreshold, String service) {
    public HealthCheck {
      requireNonNull(interval, "interval");
      requireNonNull(timeout, "timeout");
      requireNonNull(service, "service");
    }
  }

  /**
   * {@code router.outlier-detection}: {@code consecutiveFailures} calls in a row ending with one of
   * {@code codes} eject a backend for {@code baseEjectionTime x ejections}, at most {@code maxEjectionTime};
   * at most {@code maxEjectionPercent} % of the backends are ejected at once.
   */
  public record Outlier(boolean enabled, int consecutiveFailures, Set<Status.Code> codes,
      Duration baseEjectionTime, Duration maxEjectionTime, int maxEjectionPercent) {
    public Outlier {
      codes = Set.copyOf(codes);
      requireNonNull(baseEjectionTime, "baseEjectionTime");
      requireNonNull(maxEjectionTime, "maxEjectionTime");
    }
  }

  /**
   * {@code router.retry}: up to {@code maxAttempts} attempts in all, for calls whose request messages fit in
   * {@code bufferLimitBytes}; retries in progress at most {@code max(budgetMinConcurrency, budgetPercent % of
   * calls in flight)}. Methods in {@code idempotentMethods} are also retried on {@code idempotentCodes}.
   */
  public record Retry(int maxAttempts, int bufferLimitBytes, int budgetPercent, int budgetMinConcurrency,
      Set<String> idempotentMethods, Set<Status.Code> idempotentCodes) {
    public Retry {
      idempotentMethods = Set.copyOf(idempotentMethods);
      idempotentCodes = Set.copyOf(idempotentCodes);
    }

    /** Whether a failure with {@code code} before response headers may be retried for {@code fullMethod}. */
    public boolean retryable(String fullMethod, Status.Code code) {
      return code == Status.Code.UNAVAILABLE
          || (idempotentCodes.contains(code) && idempotentMethods.contains(fullMethod));
    }
  }

  /**
   * Deadlines, connections and caps.
   *
   * @param defaultDeadline       given to calls that arrive without a deadline; {@link Duration#ZERO} = none
   * @param connectTimeout        bound on one TCP connect to a backend
   * @param keepaliveTime         HTTP/2 ping interval to backends; {@link Duration#ZERO} = no keepalive
   * @param keepaliveTimeout      how long a ping may stay unanswered before the connection is dropped
   * @param maxInFlightPerBackend calls in flight per backend beyond which new ones fail at once; 0 = no limit
   * @param drainGrace            on SIGTERM: how long new calls are still accepted after /ready turned 503
   * @param drainTimeout          then: how long running calls may take before they are cancelled
   * @param dnsRefresh            how often the router looks a {@code dns:} target's name up again;
   *                              {@link Duration#ZERO} = only when a connection fails (grpc's behaviour)
   */
  public record Limits(Duration defaultDeadline, Duration connectTimeout, Duration keepaliveTime,
      Duration keepaliveTimeout, int maxInFlightPerBackend, Duration drainGrace, Duration drainTimeout,
      Duration dnsRefresh) {
    public Limits {
      requireNonNull(defaultDeadline, "defaultDeadline");
      requireNonNull(connectTimeout, "connectTimeout");
      requireNonNull(keepaliveTime, "keepaliveTime");
      requireNonNull(keepaliveTimeout, "keepaliveTimeout");
      requireNonNull(drainGrace, "drainGrace");
      requireNonNull(drainTimeout, "drainTimeout");
      requireNonNull(dnsRefresh, "dnsRefresh");
    }
  }
}
