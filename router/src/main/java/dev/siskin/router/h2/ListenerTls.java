package dev.siskin.router.h2;

import static java.util.Objects.requireNonNull;

import dev.siskin.tls.ReloadingTls;
import dev.siskin.tls.TlsFileException;
import dev.siskin.tls.TlsFiles;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.time.Duration;
import javax.net.ssl.SSLException;

/**
 * TLS on the router's listener ({@code router.tls}): TLS 1.2 and 1.3 with HTTP/2's cipher suites, ALPN {@code h2},
 * and with a client CA, a client certificate required (mTLS). The certificate files are watched by a {@link
 * ReloadingTls}: its key and trust managers are the ones the handshakes ask, so new connections get a new pair
 * within a second of the files' change, and a broken pair leaves the last good one serving. One {@link SslContext}
 * serves the router's life: it holds no key, only the managers. The JDK's TLS stack (no native library to ship).
 *
 * <p>Thread-safe: the managers swap their material atomically.
 */
public final class ListenerTls implements AutoCloseable {
  /** How often the files are re-read even without a change event (file systems that send none). */
  private static final Duration CHECK_PERIOD = Duration.ofSeconds(1);

  private final ReloadingTls files;
  private final SslContext context;

  private ListenerTls(ReloadingTls files, SslContext context) {
    this.files = files;
    this.context = context;
  }

  /**
   * Loads the files (failing with the first problem, naming the setting and the file) and starts watching them.
   *
   * @param listener told of each reload, e.g. the TLS metrics
   */
  public static ListenerTls start(TlsFiles files, ReloadingTls.Listener listener) throws TlsFileException {
    requireNonNull(files, "files");
    ReloadingTls tls = ReloadingTls.start("router", files, CHECK_PERIOD, listener,
        AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION);
    try {
      SslContextBuilder builder = SslContextBuilder.forServer(tls.keyManager())
          .sslProvider(SslProvider.JDK)
          .protocols("TLSv1.3", "TLSv1.2")
          .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
          .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
              ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
              ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2));
      tls.peerTrustManager().ifPresent(trust -> builder.trustManager(trust).clientAuth(ClientAuth.REQUIRE));
      return new ListenerTls(tls, builder.build());
    } catch (SSLException | RuntimeException e) {
      tls.close();
      throw new IllegalStateException("cannot build the listener's TLS context: " + e.getMessage(), e);
    }
  }

  SslContext context() {
    return context;
  }

  /** The files and what serves now. */
  public ReloadingTls files() {
    return files;
  }

  /** {@code TLS with subject CN=router, serial ..., expires ... (router.tls.cert=...), client certificates ...}. */
  public String describe() {
    return "TLS with " + files.current().describe() + " (" + files.files().cert() + ")" + files.files().trust()
        .map(ca -> ", client certificates signed by " + ca + " required").orElse("");
  }

  /** Stops watching the files. */
  @Override
  public void close() {
    files.close();
  }
}
