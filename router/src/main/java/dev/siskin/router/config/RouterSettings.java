package dev.siskin.router.config;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.accesslog.AccessLogFormat;
import dev.siskin.router.route.Policy;

/**
 * The {@code router { ... }} block of canary.conf. Defaults live in the router's reference.conf, not here.
 * The failure-handling settings (health checks, outlier detection, retries, limits, drain) are grouped in
 * {@link FailureSettings}.
 *
 * @param listen          {@code host:port} the gRPC server binds; a change needs a restart
 * @param admin           {@code host:port} of the admin HTTP endpoint; loopback by default
 * @param policy          how each call picks a backend by weight
 * @param maxMessageBytes largest message forwarded in either direction; beyond it RESOURCE_EXHAUSTED
 * @param accessLog       one log line per finished call when true
 * @param accessLogFormat how those lines are written: text for people, JSON lines for log shippers
 * @param failure         health checks, outlier detection, retries, timeouts, limits and drain
 * @param forwarding      which core forwards the calls; a change needs a restart
 * @param warmUpCalls     synthetic calls run through the frame core at start, before the listener binds (0: none;
 *                        read at start only)
 */
public record RouterSettings(
    String listen, String admin, Policy policy, int maxMessageBytes, boolean accessLog,
    AccessLogFormat accessLogFormat, FailureSettings failure, Forwarding forwarding, int warmUpCalls) {
  /** reference.conf's router.warm-up-calls, for settings built in code (only the router's main warms up). */
  public static final int DEFAULT_WARM_UP_CALLS = 20_000;

  /** Settings with reference.conf's warm-up. */
  public RouterSettings(String listen, String admin, Policy policy, int maxMessageBytes, boolean accessLog,
      AccessLogFormat accessLogFormat, FailureSettings failure, Forwarding forwarding) {
    this(listen, admin, policy, maxMessageBytes, accessLog, accessLogFormat, failure, forwarding,
        DEFAULT_WARM_UP_CALLS);
  }

  /** Settings forwarded by the default core (frames). */
  public RouterSettings(String listen, String admin, Policy policy, int maxMessageBytes, boolean accessLog,
      AccessLogFormat accessLogFormat, FailureSettings failure) {
    this(listen, admin, policy, maxMessageBytes, accessLog, accessLogFormat, failure, Forwarding.FRAMES);
  }

  public RouterSettings {
    requireNonNull(forwarding, "forwarding");
    if (warmUpCalls < 0) {
      throw new IllegalArgumentException("warmUpCalls: " + warmUpCalls + " (expected: >= 0)");
    }
    requireNonNull(listen, "listen");
    requireNonNull(admin, "admin");
    requireNonNull(policy, "policy");
    requireNonNull(accessLogFormat, "accessLogFormat");
    requireNonNull(failure, "failure");
    if (maxMessageBytes <= 0) {
      throw new IllegalArgumentException("maxMessageBytes: " + maxMessageBytes + " (expected: > 0)");
    }
  }

  /** Settings with the failure handling of reference.conf. */
  public RouterSettings(String listen, String admin, Policy policy, int maxMessageBytes, boolean accessLog,
      AccessLogFormat accessLogFormat) {
    this(listen, admin, policy, maxMessageBytes, accessLog, accessLogFormat, FailureSettings.defaults());
  }

  /** Settings with text access-log lines and the failure handling of reference.conf. */
  public RouterSettings(String listen, String admin, Policy policy, int maxMessageBytes, boolean accessLog) {
    this(listen, admin, policy, maxMessageBytes, accessLog, AccessLogFormat.TEXT);
  }
}
