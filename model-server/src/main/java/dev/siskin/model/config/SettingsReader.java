package dev.siskin.model.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.siskin.tls.TlsFile;
import dev.siskin.tls.TlsFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Reads typed values from the {@code model-server} config and turns bad values into {@link SettingsException}s
 * that name the environment variable an operator sets, the value and what is expected.
 */
final class SettingsReader {
    private final Config config;

    SettingsReader(Config config) {
        this.config = config;
    }

    String string(String key) {
        return config.getString(key);
    }

    Optional<String> optionalString(String key) {
        String value = config.getString(key).strip();
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    int port(String key, String env) throws SettingsException {
        String raw = string(key).strip();
        try {
            int port = Integer.parseInt(raw);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new SettingsException(env + "=" + raw + " is not a port (expected: an integer 0-65535, 0 = any free port)");
    }

    OptionalInt optionalPort(String key, String env) throws SettingsException {
        return optionalString(key).isEmpty() ? OptionalInt.empty() : OptionalInt.of(port(key, env));
    }

    Duration nonNegativeDuration(String key, String env) throws SettingsException {
        try {
            Duration d = config.getDuration(key);
            if (!d.isNegative()) {
                return d;
            }
        } catch (ConfigException.BadValue | ConfigException.WrongType e) {
            // reported below
        }
        throw new SettingsException(env + "=" + string(key) + " is not a duration (expected: milliseconds >= 0, e.g. 3000)");
    }

    /**
     * The TLS files when the certificate and key are both set; empty when neither is. Only the combination is
     * checked here: the files themselves are read (and reported) when the server loads them.
     */
    Optional<TlsFiles> tlsFiles(String certKey, String certEnv, String keyKey, String keyEnv, String caKey,
            String caEnv) throws SettingsException {
        Optional<String> cert = optionalString(certKey);
        Optional<String> key = optionalString(keyKey);
        Optional<String> ca = optionalString(caKey);
        if (cert.isPresent() != key.isPresent()) {
            String set = cert.isPresent() ? certEnv : keyEnv;
            String unset = cert.isPresent() ? keyEnv : certEnv;
            throw new SettingsException(set + " is set but " + unset + " is not (set both to serve TLS: the "
                    + "certificate chain and its private key as PEM files; or neither for plaintext)");
        }
        if (cert.isEmpty()) {
            if (ca.isPresent()) {
                throw new SettingsException(caEnv + " is set but " + certEnv + " and " + keyEnv + " are not (client "
                        + "certificates are checked on a TLS port only: set both as well, or unset " + caEnv + ")");
            }
            return Optional.empty();
        }
        return Optional.of(new TlsFiles(new TlsFile(certEnv, Path.of(cert.get())),
                new TlsFile(keyEnv, Path.of(key.get())), ca.map(c -> new TlsFile(caEnv, Path.of(c)))));
    }
}
