package dev.siskin.router.config;

import static java.util.Objects.requireNonNull;

import dev.siskin.tls.TlsFile;
import dev.siskin.tls.TlsFiles;
import java.util.Optional;

/**
 * {@code router.admin-tls}: the admin endpoint serves HTTPS only.
 *
 * @param serving its certificate chain, key and, for mTLS, the CA client certificates must be signed by
 * @param peerCa  the CA the other routers' admin certificates must be signed by, when this router calls them for a
 *                shared rollout ({@code rollout.routers}); empty: the client CA, else the JDK's trusted CAs
 */
public record AdminTlsFiles(TlsFiles serving, Optional<TlsFile> peerCa) {
  public AdminTlsFiles {
    requireNonNull(serving, "serving");
    requireNonNull(peerCa, "peerCa");
  }

  /** What the calls to the other routers trust: the peer CA, else the client CA; empty: the JDK's own. */
  public Optional<TlsFile> peerTrust() {
    return peerCa.or(serving::trust);
  }
}
