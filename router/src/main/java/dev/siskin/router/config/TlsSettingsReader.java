package dev.siskin.router.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.siskin.tls.TlsFile;
import dev.siskin.tls.TlsFiles;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads {@code router.tls { cert, key, client-ca }}: the PEM files of the client-facing listener's certificate
 * chain and key, and the CA that client certificates must be signed by (mTLS). All empty (the default): plaintext
 * h2c. A relative path is taken from the config file's directory, as a user reading the file would. Only the
 * settings are checked here; the files' content is checked when the router starts (a broken file stops the start)
 * and, while it runs, at each change of the files.
 */
final class TlsSettingsReader {
  static final String TLS = "tls";
  static final String CERT = "cert";
  static final String KEY = "key";
  static final String CLIENT_CA = "client-ca";
  private static final Set<String> KEYS = Set.of(CERT, KEY, CLIENT_CA);

  private final Path configFile;
  private final Problems problems;

  TlsSettingsReader(Path configFile, Problems problems) {
    this.configFile = configFile;
    this.problems = problems;
  }

  /** Empty for plaintext; null after a problem (recorded). */
  Optional<TlsFiles> read(ConfigObject router) {
    ConfigValue value = router.get(TLS);
    if (!(value instanceof ConfigObject tls)) {
      problems.add(value.origin(), router.origin(), Problems.path(SnapshotReader.ROUTER, TLS),
          "expected an object: tls { cert = \"server.pem\", key = \"server.key\", client-ca = \"\" }");
      return null;
    }
    boolean ok = true;
    for (String key : tls.keySet()) {
      if (!KEYS.contains(key)) {
        problems.add(tls.get(key).origin(), tls.origin(), path(key),
            "unknown key (expected one of: " + String.join(", ", new TreeSet<>(KEYS)) + ")");
        ok = false;
      }
    }
    String cert = string(tls, CERT);
    String key = string(tls, KEY);
    String clientCa = string(tls, CLIENT_CA);
    if (!ok || cert == null || key == null || clientCa == null) {
      return null;
    }
    if (cert.isEmpty() && key.isEmpty()) {
      if (!clientCa.isEmpty()) {
        problems.add(tls.get(CLIENT_CA).origin(), tls.origin(), path(CLIENT_CA), "\"" + clientCa + "\" is set but "
            + "cert and key are not (client certificates are checked on a TLS listener only: set both as well, or "
            + "set client-ca = \"\")");
        return null;
      }
      return Optional.empty();
    }
    if (cert.isEmpty() || key.isEmpty()) {
      String missing = cert.isEmpty() ? CERT : KEY;
      String set = cert.isEmpty() ? KEY : CERT;
      // At the line that set the other: the empty one may be reference.conf's default.
      problems.add(tls.get(set).origin(), tls.origin(), path(missing), "empty while " + set + " is set (set both "
          + "to serve TLS: the certificate chain and its private key as PEM files; or neither for plaintext)");
      return null;
    }
    return Optional.of(new TlsFiles(file(CERT, cert), file(KEY, key),
        clientCa.isEmpty() ? Optional.empty() : Optional.of(file(CLIENT_CA, clientCa))));
  }

  static final String CA = "ca";
  static final String AUTHORITY = "authority";
  private static final Set<String> BACKEND_KEYS = Set.of(CA, CERT, KEY, AUTHORITY);

  /**
   * {@code backends.<name>.tls { ca, cert, key, authority }}: present (even empty) turns TLS on for that backend;
   * null after a problem (recorded).
   */
  BackendTlsSettings readBackend(String name, ConfigValue value, ConfigObject backend) {
    String path = Problems.path(SnapshotReader.BACKENDS, name, TLS);
    if (!(value instanceof ConfigObject tls)) {
      problems.add(value.origin(), backend.origin(), path, SnapshotReader.render(value)
          + " (expected: an object tls { ca = \"ca.crt\", cert = \"\", key = \"\", authority = \"\" })");
      return null;
    }
    boolean ok = true;
    for (String key : tls.keySet()) {
      if (!BACKEND_KEYS.contains(key)) {
        problems.add(tls.get(key).origin(), tls.origin(), path + "." + key,
            "unknown key (expected one of: " + String.join(", ", new TreeSet<>(BACKEND_KEYS)) + ")");
        ok = false;
      }
    }
    String ca = string(tls, CA, path);
    String cert = string(tls, CERT, path);
    String key = string(tls, KEY, path);
    String authority = string(tls, AUTHORITY, path);
    if (!ok || ca == null || cert == null || key == null || authority == null) {
      return null;
    }
    if (cert.isEmpty() != key.isEmpty()) {
      String set = cert.isEmpty() ? KEY : CERT;
      problems.add(tls.get(set).origin(), tls.origin(), path + "." + (cert.isEmpty() ? CERT : KEY), "empty while "
          + set + " is set (a client certificate for a backend that requires one: set both, or neither)");
      return null;
    }
    return new BackendTlsSettings(optionalFile(path + "." + CA, ca), optionalFile(path + "." + CERT, cert),
        optionalFile(path + "." + KEY, key), authority);
  }

  private Optional<TlsFile> optionalFile(String setting, String path) {
    return path.isEmpty() ? Optional.empty() : Optional.of(new TlsFile(setting, resolve(path)));
  }

  private TlsFile file(String key, String path) {
    return new TlsFile(path(key), resolve(path));
  }

  private Path resolve(String path) {
    return resolve(configFile, path);
  }

  /** {@code path} as a user reading {@code configFile} means it: a relative one from the file's directory. */
  static Path resolve(Path configFile, String path) {
    Path p = Path.of(path);
    if (!p.isAbsolute()) {
      Path dir = configFile.toAbsolutePath().getParent();
      p = dir == null ? p : dir.resolve(p);
    }
    return p.normalize();
  }

  private String string(ConfigObject tls, String key) {
    return string(tls, key, Problems.path(SnapshotReader.ROUTER, TLS));
  }

  private String string(ConfigObject tls, String key, String block) {
    ConfigValue value = tls.get(key);
    if (value == null) {
      return "";
    }
    if (value.valueType() != ConfigValueType.STRING) {
      problems.add(value.origin(), tls.origin(), block + "." + key, SnapshotReader.render(value)
          + (AUTHORITY.equals(key) ? " (expected: a quoted host name, or \"\")"
              : " (expected: a quoted path of a PEM file, or \"\")"));
      return null;
    }
    return ((String) value.unwrapped()).trim();
  }

  private static String path(String key) {
    return Problems.path(SnapshotReader.ROUTER, TLS, key);
  }
}
