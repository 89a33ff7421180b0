package dev.siskin.router.config;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.accesslog.AccessLogFormat;
import dev.siskin.router.route.Policy;

/**
 * The {@code router { ... }} block of canary.conf. Defaults live in the router's reference.conf, not here.
 * More settings (health checks, retries, limits) are added as their features arrive.
 *
 * @param listen          {@code host:port} the gRPC server binds; a change needs a restart
 * @param admin           {@code host:port} of the admin HTTP endpoint; loopback by default
 * @param policy          how each call picks a backend by weight
 * @param maxMessageBytes largest message forwarded in either direction; beyond it RESOURCE_EXHAUSTED
 * @param accessLog       one log line per finished call when true
 * @param accessLogFormat how those lines are written: text for people, JSON lines for log shippers
 */
public record RouterSettings(
    String listen, String admin, Policy policy, int maxMessageBytes, boolean accessLog,
    AccessLogFormat accessLogFormat) {
  public RouterSettings {
    requireNonNull(listen, "listen");
    requireNonNull(admin, "admin");
    requireNonNull(policy, "policy");
    requireNonNull(accessLogFormat, "accessLogFormat");
    if (maxMessageBytes <= 0) {
      throw new IllegalArgumentException("maxMessageBytes: " + maxMessageBytes + " (expected: > 0)");
    }
  }

  /** Settings with text access-log lines. */
  public RouterSettings(String listen, String admin, Policy policy, int maxMessageBytes, boolean accessLog) {
    this(listen, admin, policy, maxMessageBytes, accessLog, AccessLogFormat.TEXT);
  }
}
