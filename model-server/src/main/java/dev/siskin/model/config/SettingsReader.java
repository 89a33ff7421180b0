package dev.siskin.model.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
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
}
