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
  static final String ADMIN_TLS = "admin-tls";
  static final String PEER_CA = "peer-ca";
  private static final Set<String> KEYS = Set.of(CERT, KEY, CLIENT_CA);
  private static final Set<String> ADMIN_KEYS = Set.of(CERT, KEY, CLIENT_CA, PEER_CA);

  private final Path configFile;
  private final Problems problems;

  TlsSettingsReader(Path configFile, Problems problems) {
    this.configFile = configFile;
    this.problems = problems;
  }

  /** {@code router.tls}: empty for plaintext; null after a problem (recorded). */
  Optional<TlsFiles> read(ConfigObject router) {
    ConfigObject tls = block(router, TLS, KEYS);
    return tls == null ? null : serving(tls, TLS);
  }

  /**
   * {@code router.admin-tls { cert, key, client-ca, peer-ca }}: empty for plain HTTP; null after a problem
   * (recorded).
   */
  Optional<AdminTlsFiles> readAdmin(ConfigObject router) {
    ConfigObject tls = block(router, ADMIN_TLS, ADMIN_KEYS);
    if (tls == null) {
      return null;
    }
    Optional<TlsFiles> serving = serving(tls, ADMIN_TLS);
    String peerCa = string(tls, PEER_CA, Problems.path(SnapshotReader.ROUTER, ADMIN_TLS));
    if (serving == null || peerCa == null) {
      return null;
    }
    if (serving.isEmpty()) {
      if (!peerCa.isEmpty()) {
        problems.add(tls.get(PEER_CA).origin(), tls.origin(), path(ADMIN_TLS, PEER_CA), "\"" + peerCa + "\" is "
            + "set but cert and key are not (the other routers' admin endpoints are called over HTTPS only when "
            + "this one serves it: set both as well, or set peer-ca = \"\")");
        return null;
      }
      return Optional.empty();
    }
    return Optional.of(new AdminTlsFiles(serving.get(),
        peerCa.isEmpty() ? Optional.empty() : Optional.of(file(ADMIN_TLS, PEER_CA, peerCa))));
  }

  /** {@code router.<name>} as an object with no key beyond {@code keys}; null after a problem (recorded). */
  private ConfigObject block(ConfigObject router, String name, Set<String> keys) {
    ConfigValue value = router.get(name);
    if (!(value instanceof ConfigObject tls)) {
      problems.add(value.origin(), router.origin(), Problems.path(SnapshotReader.ROUTER, name),
          "expected an object: " + name + " { cert = \"server.pem\", key = \"server.key\", client-ca = \"\" }");
      return null;
    }
    boolean ok = true;
    for (String key : tls.keySet()) {
      if (!keys.contains(key)) {
        problems.add(tls.get(key).origin(), tls.origin(), path(name, key),
            "unknown key (expected one of: " + String.join(", ", new TreeSet<>(keys)) + ")");
        ok = false;
      }
    }
    return ok ? tls : null;
  }

  /** The serving files of {@code router.<name>}'s cert, key and client-ca: empty when unset; null after a problem. */
  private Optional<TlsFiles> serving(ConfigObject tls, String name) {
    String block = Problems.path(SnapshotReader.ROUTER, name);
    String cert = string(tls, CERT, block);
    String key = string(tls, KEY, block);
    String clientCa = string(tls, CLIENT_CA, block);
    if (cert == null || key == null || clientCa == null) {
      return null;
    }
    if (cert.isEmpty() && key.isEmpty()) {
      if (!clientCa.isEmpty()) {
        problems.add(tls.get(CLIENT_CA).origin(), tls.origin(), path(name, CLIENT_CA), "\"" + clientCa + "\" is set "
            + "but cert and key are not (client certificates are checked on a TLS listener only: set both as well, "
            + "or set client-ca = \"\")");
        return null;
      }
      return Optional.empty();
    }
    if (cert.isEmpty() || key.isEmpty()) {
      String missing = cert.isEmpty() ? CERT : KEY;
      String set = cert.isEmpty() ? KEY : CERT;
      // At the line that set the other: the empty one may be reference.conf's default.
      problems.add(tls.get(set).origin(), tls.origin(), path(name, missing), "empty while " + set + " is set (set both "
          + "to serve TLS: the certificate chain and its private key as PEM files; or neither for plaintext)");
      return null;
    }
    return Optional.of(new TlsFiles(file(name, CERT, cert), file(name, KEY, key),
        clientCa.isEmpty() ? Optional.empty() : Optional.of(file(name, CLIENT_CA, clientCa))));
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

  private TlsFile file(String block, String key, String path) {
    return new TlsFile(path(block, key), resolve(path));
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

  private static String path(String block, String key) {
    return Problems.path(SnapshotReader.ROUTER, block, key);
  }
}
