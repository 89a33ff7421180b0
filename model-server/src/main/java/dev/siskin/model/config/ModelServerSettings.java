package dev.siskin.model.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValueFactory;
import dev.siskin.model.fault.FaultSettings;
import dev.siskin.tls.TlsFiles;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Everything the model server is configured with, read once at start. Defaults live only in
 * {@code reference.conf}; environment variables override them there ({@code ${?MODEL_PATH}} and so on).
 *
 * @param host HOST when set: the address both ports bind; empty = all interfaces
 * @param expectedVersion MODEL_VERSION when set
 * @param metricsPort METRICS_PORT when set
 * @param tls TLS_CERT and TLS_KEY (and TLS_CLIENT_CA) when set: the gRPC port serves TLS only
 */
public record ModelServerSettings(
        Path modelPath,
        Optional<String> expectedVersion,
        Optional<InetAddress> host,
        int port,
        OptionalInt metricsPort,
        Optional<TlsFiles> tls,
        Duration keepAlivePermitTime,
        Duration drainGrace,
        Duration drainTimeout,
        FaultSettings faults) {

    private static final String ROOT = "model-server";

    /** Reads the settings with {@code environment} standing in for the process environment. */
    public static ModelServerSettings fromEnvironment(Map<String, String> environment) throws SettingsException {
        Config unresolved = ConfigFactory.parseResources(ModelServerSettings.class.getClassLoader(), "reference.conf");
        // fromMap keeps each variable name as one key, whatever characters it holds. The variables sit under the
        // settings as a fallback so that ${?PORT} finds them at the root (resolveWith cannot resolve the
        // "key = default, key = ${?VAR}" pairs); the real environment is not consulted, so tests control it.
        Config env = ConfigValueFactory.fromMap(Map.copyOf(environment)).toConfig();
        Config config = unresolved.withFallback(env)
                .resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
        return fromConfig(config.getConfig(ROOT));
    }

    static ModelServerSettings fromConfig(Config c) throws SettingsException {
        SettingsReader r = new SettingsReader(c);
        return new ModelServerSettings(
                Path.of(r.string("model-path")),
                r.optionalString("model-version"),
                BindAddress.parse(r.string("host"), "HOST"),
                r.port("port", "PORT"),
                r.optionalPort("metrics-port", "METRICS_PORT"),
                r.tlsFiles("tls.cert", "TLS_CERT", "tls.key", "TLS_KEY", "tls.client-ca", "TLS_CLIENT_CA"),
                c.getDuration("keepalive-permit-time"),
                r.nonNegativeDuration("drain.grace", "DRAIN_GRACE_MS"),
                r.nonNegativeDuration("drain.timeout", "DRAIN_TIMEOUT_MS"),
                FaultSettings.parse(
                        r.string("fault.latency-ms"),
                        r.string("fault.error-rate"),
                        r.string("fault.error-code"),
                        r.string("fault.wrong-rate"),
                        r.string("fault.seed")));
    }
}
