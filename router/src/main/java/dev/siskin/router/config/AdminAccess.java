package dev.siskin.router.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Who may read the admin endpoint, and what it shows (read at start; a change needs a restart).
 *
 * @param tokenFile            {@code router.admin-token-file}: a file holding a bearer token that every admin
 *                             request but {@code /live} and {@code /ready} must send ({@code Authorization: Bearer
 *                             ...}); empty: none (keep the endpoint on loopback then)
 * @param disagreementExamples {@code router.admin-disagreement-examples}: whether shadow disagreements are kept
 *                             with their request features and served at {@code /canary/disagreements}
 * @param tls                  {@code router.admin-tls}: HTTPS (and mTLS) on the admin endpoint; empty: plain HTTP
 */
public record AdminAccess(Optional<Path> tokenFile, boolean disagreementExamples, Optional<AdminTlsFiles> tls) {
  public static final AdminAccess DEFAULTS = new AdminAccess(Optional.empty(), true, Optional.empty());

  public AdminAccess {
    requireNonNull(tokenFile, "tokenFile");
    requireNonNull(tls, "tls");
  }

  public AdminAccess(Optional<Path> tokenFile, boolean disagreementExamples) {
    this(tokenFile, disagreementExamples, Optional.empty());
  }
}
