package dev.siskin.tls;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A PEM file and the setting that names it ({@code TLS_CERT}, {@code router.tls.key}, {@code --tls-ca}), so that
 * every error tells the operator which setting to fix.
 */
public record TlsFile(String setting, Path path) {
    public TlsFile {
        Objects.requireNonNull(setting, "setting");
        Objects.requireNonNull(path, "path");
    }

    /** {@code TLS_CERT=certs/server.crt}. */
    @Override
    public String toString() {
        return setting + "=" + path;
    }
}
