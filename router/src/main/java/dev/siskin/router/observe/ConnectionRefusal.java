package dev.siskin.router.observe;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * A client connection the router closed before any call on it: a failed TLS handshake (no client certificate, one
 * of another CA, a plaintext client on the TLS listener, a handshake that timed out). Reported once per
 * connection to the call listeners, so that the metrics and the access log count it as they count calls.
 *
 * @param time   when it was refused
 * @param peer   the client's address
 * @param reason one of a few fixed labels ({@code not_tls}, {@code tls_no_client_certificate}, ...): a metric label
 * @param detail what the TLS stack said, for the log line
 */
public record ConnectionRefusal(Instant time, String peer, String reason, String detail) {
  public ConnectionRefusal {
    requireNonNull(time, "time");
    requireNonNull(peer, "peer");
    requireNonNull(reason, "reason");
    requireNonNull(detail, "detail");
  }
}
