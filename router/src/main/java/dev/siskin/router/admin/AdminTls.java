package dev.siskin.router.admin;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.config.AdminTlsFiles;
import dev.siskin.tls.ReloadingTls;
import dev.siskin.tls.TlsFileException;
import dev.siskin.tls.TlsFiles;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;

/**
 * HTTPS on the admin endpoint ({@code router.admin-tls}), and the TLS of this router's calls to the other routers'
 * admin endpoints of a shared rollout. The files are watched by {@link ReloadingTls}, as the listener's are: new
 * connections use a new pair within a second, a broken pair leaves the last good one serving.
 *
 * <p>Calls to the other routers present this router's admin certificate (for their mTLS) and check theirs against
 * {@link AdminTlsFiles#peerTrust()}: for the CA only, not for a name, since the routers are found by address (a
 * DNS name's every IP); with neither CA set, against the JDK's trusted CAs with the name checked.
 *
 * <p>Thread-safe: the managers swap their material atomically; the contexts are built once.
 */
public final class AdminTls implements AutoCloseable {
  private static final Duration CHECK_PERIOD = Duration.ofSeconds(1);
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private final ReloadingTls serving;
  private final ReloadingTls peerFiles; // null: the peers are checked with serving's trust, or the JDK's
  private final SSLContext server;
  private final SSLContext peers;

  private AdminTls(ReloadingTls serving, ReloadingTls peerFiles, SSLContext server, SSLContext peers) {
    this.serving = serving;
    this.peerFiles = peerFiles;
    this.server = server;
    this.peers = peers;
  }

  /**
   * Loads the files (failing with the first problem, naming the setting and the file) and starts watching them.
   *
   * @param listener told of each reload of the serving files, e.g. the TLS metrics
   */
  public static AdminTls start(AdminTlsFiles files, ReloadingTls.Listener listener) throws TlsFileException {
    requireNonNull(files, "files");
    ReloadingTls serving = ReloadingTls.start("router admin", files.serving(), CHECK_PERIOD, listener,
        AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION);
    ReloadingTls peerFiles = null;
    try {
      SSLContext server = context(serving.keyManager(), serving.peerTrustManager().orElse(null));
      SSLContext peers;
      if (files.peerCa().isPresent()) {
        TlsFiles own = files.serving();
        peerFiles = ReloadingTls.start("router admin peers", new TlsFiles(own.cert(), own.key(), files.peerCa()),
            CHECK_PERIOD, ReloadingTls.Listener.NONE, AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION);
        peers = context(peerFiles.keyManager(), peerFiles.peerTrustManager().orElseThrow());
      } else {
        peers = context(serving.keyManager(), serving.peerTrustManager().orElse(null)); // null: the JDK's CAs
      }
      return new AdminTls(serving, peerFiles, server, peers);
    } catch (TlsFileException | RuntimeException e) {
      serving.close();
      if (peerFiles != null) {
        peerFiles.close();
      }
      throw e;
    }
  }

  private static SSLContext context(KeyManager keys, TrustManager trust) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {keys}, trust == null ? null : new TrustManager[] {trust}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the admin endpoint's TLS context: " + e.getMessage(), e);
    }
  }

  /**
   * An engine for one new admin connection: TLS 1.2 or 1.3; with a client CA, a client certificate is asked for,
   * and one that its CA did not sign fails the handshake. None at all passes the handshake: the probes ({@code
   * /live}, {@code /ready}) must answer a kubelet, which has none; {@link #requiresClientCertificate} tells the
   * endpoint to refuse every other path then.
   */
  public SSLEngine newServerEngine() {
    SSLEngine engine = server.createSSLEngine();
    engine.setUseClientMode(false);
    engine.setEnabledProtocols(PROTOCOLS);
    engine.setWantClientAuth(requiresClientCertificate());
    return engine;
  }

  /** Whether {@code router.admin-tls.client-ca} is set: every path but the probes needs a client certificate. */
  public boolean requiresClientCertificate() {
    return serving.files().trust().isPresent();
  }

  /** For the calls to the other routers' admin endpoints (the JDK's HTTP client). */
  public SSLContext peerContext() {
    return peers;
  }

  /** The serving files and what serves now. */
  public ReloadingTls files() {
    return serving;
  }

  /** {@code HTTPS with subject CN=..., serial ..., expires ... (router.admin-tls.cert=...)...}, for the log. */
  public String describe() {
    return "HTTPS with " + serving.current().describe() + " (" + serving.files().cert() + ")"
        + serving.files().trust().map(ca -> ", client certificates signed by " + ca + " required (but on /live and "
            + "/ready)").orElse("");
  }

  /** The CA the other routers' admin certificates are checked against; empty: the JDK's. */
  public Optional<String> peerTrust() {
    return (peerFiles != null ? peerFiles : serving).files().trust().map(String::valueOf);
  }

  @Override
  public void close() {
    serving.close();
    if (peerFiles != null) {
      peerFiles.close();
    }
  }
}
