package dev.siskin.router.config;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.accesslog.AccessLogFormat;
import dev.siskin.router.route.Policy;
import dev.siskin.tls.TlsFiles;
import java.util.Optional;

/**
 * The {@code router { ... }} block of canary.conf. Defaults live in the router's reference.conf, not here.
 * The failure-handling settings (health checks, outlier detection, retries, limits, drain) are grouped in
 * {@link FailureSettings}.
 *
 * @param listen          {@code host:port} the router binds for gRPC clients; a change needs a restart
 * @param admin           {@code host:port} of the admin HTTP endpoint; loopback by default
 * @param policy          how each call picks a backend by weight
 * @param accessLog       one log line per finished call when true
 * @param accessLogFormat how those lines are written: text for people, JSON lines for log shippers
 * @param failure         health checks, outlier detection, retries, timeouts, limits and drain
 * @param warmUpCalls     synthetic calls run through the forwarding core at start, before the listener binds (0:
 *                        none; read at start only)
 * @param tls             the listener's certificate, key and client CA ({@code router.tls}); empty: plaintext h2c.
 *                        The files are read at start and whenever they change; the setting itself at start only
 * @param clientLimits    idle client connections and connections per client address; read at start only
 * @param adminAccess     the admin endpoint's bearer token and disagreement examples; read at start only
 * @param plaintextListen {@code host:port} of a plaintext h2c listener beside the TLS one ({@code
 *                        router.plaintext-listen}), or {@code ""} for none; read at start only
 */
public record RouterSettings(
    String listen, String admin, Policy policy, boolean accessLog, AccessLogFormat accessLogFormat,
    FailureSettings failure, int warmUpCalls, Optional<TlsFiles> tls, ClientLimits clientLimits,
    AdminAccess adminAccess, String plaintextListen) {
  /** reference.conf's router.warm-up-calls, for settings built in code (only the router's main warms up). */
  public static final int DEFAULT_WARM_UP_CALLS = 20_000;

  public RouterSettings {
    if (warmUpCalls < 0) {
      throw new IllegalArgumentException("warmUpCalls: " + warmUpCalls + " (expected: >= 0)");
    }
    requireNonNull(listen, "listen");
    requireNonNull(admin, "admin");
    requireNonNull(policy, "policy");
    requireNonNull(accessLogFormat, "accessLogFormat");
    requireNonNull(failure, "failure");
    requireNonNull(tls, "tls");
    requireNonNull(clientLimits, "clientLimits");
    requireNonNull(adminAccess, "adminAccess");
    requireNonNull(plaintextListen, "plaintextListen");
  }

  /** Plaintext settings. */
  public RouterSettings(String listen, String admin, Policy policy, boolean accessLog,
      AccessLogFormat accessLogFormat, FailureSettings failure, int warmUpCalls) {
    this(listen, admin, policy, accessLog, accessLogFormat, failure, warmUpCalls, Optional.empty(),
        ClientLimits.DEFAULTS, AdminAccess.DEFAULTS, "");
  }

  /** Settings with reference.conf's warm-up. */
  public RouterSettings(String listen, String admin, Policy policy, boolean accessLog,
      AccessLogFormat accessLogFormat, FailureSettings failure) {
    this(listen, admin, policy, accessLog, accessLogFormat, failure, DEFAULT_WARM_UP_CALLS);
  }

  /** Settings with the failure handling of reference.conf. */
  public RouterSettings(String listen, String admin, Policy policy, boolean accessLog,
      AccessLogFormat accessLogFormat) {
    this(listen, admin, policy, accessLog, accessLogFormat, FailureSettings.defaults());
  }

  /** Settings with text access-log lines and the failure handling of reference.conf. */
  public RouterSettings(String listen, String admin, Policy policy, boolean accessLog) {
    this(listen, admin, policy, accessLog, AccessLogFormat.TEXT);
  }
}
