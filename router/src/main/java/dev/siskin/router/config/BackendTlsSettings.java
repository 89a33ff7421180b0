package dev.siskin.router.config;

import static java.util.Objects.requireNonNull;

import dev.siskin.tls.TlsFile;
import java.util.Optional;

/**
 * {@code backends.<name>.tls { ca, cert, key, authority }}: the router calls that backend over TLS. Immutable,
 * equal by value, so a reload that changes any of it re-opens the backend (its connections made anew).
 *
 * @param ca        the CA certificate(s) the backend's certificate must chain to; empty: the JVM's default trust
 * @param cert      the router's client certificate chain, for a backend that requires one (mTLS); with {@code key}
 * @param key       its PKCS#8 private key
 * @param authority the name the backend's certificate must carry, sent as the TLS server name; empty: the
 *                  target's host
 */
public record BackendTlsSettings(Optional<TlsFile> ca, Optional<TlsFile> cert, Optional<TlsFile> key,
    String authority) {
  /**
   * The certificates of each file named (the client chain, the CA), read now: what serves new connections, as the
   * managers re-read the files every second. A file that cannot be read or parsed is left out.
   *
   * @return the setting that names each readable file, and its certificates, the CA last
   */
  public java.util.Map<TlsFile, java.util.List<java.security.cert.X509Certificate>> readCertificates() {
    java.util.Map<TlsFile, java.util.List<java.security.cert.X509Certificate>> out = new java.util.LinkedHashMap<>();
    for (TlsFile file : java.util.stream.Stream.of(cert, ca).flatMap(Optional::stream).toList()) {
      try {
        out.put(file, dev.siskin.tls.Pem.certificates(file, dev.siskin.tls.Pem.read(file)));
      } catch (dev.siskin.tls.TlsFileException e) {
        // not shown: the failing file is logged by the managers' re-read
      }
    }
    return out;
  }

  public BackendTlsSettings {
    requireNonNull(ca, "ca");
    requireNonNull(cert, "cert");
    requireNonNull(key, "key");
    requireNonNull(authority, "authority");
    if (cert.isPresent() != key.isPresent()) {
      throw new IllegalArgumentException("cert and key: both or neither");
    }
  }
}
