package dev.siskin.tls;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The files of one TLS endpoint: its certificate chain and key, and optionally the CA certificates it trusts for
 * its peers (a server's client CA: mTLS).
 */
public record TlsFiles(TlsFile cert, TlsFile key, Optional<TlsFile> trust) {
    public TlsFiles {
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(trust, "trust");
    }

    /** Every file, the certificate first. */
    public List<TlsFile> all() {
        List<TlsFile> out = new ArrayList<>(List.of(cert, key));
        trust.ifPresent(out::add);
        return out;
    }
}
