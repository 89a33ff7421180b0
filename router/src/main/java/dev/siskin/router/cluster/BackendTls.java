package dev.siskin.router.cluster;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.config.BackendTlsSettings;
import dev.siskin.tls.Pem;
import dev.siskin.tls.TlsFile;
import dev.siskin.tls.TlsFileException;
import dev.siskin.tls.TlsFiles;
import dev.siskin.tls.TlsIdentity;
import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.IOException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * How the router calls one backend over TLS ({@code backends.<name>.tls}): the trust (the backend's CA, or the
 * JVM's default), an optional client certificate, and the name the backend's certificate must carry (the
 * {@code authority}, else the target's host), checked on every connection -- the frame core's (Netty, JDK
 * provider, ALPN h2) and the health checks' (grpc-java) alike, from the same key and trust managers. The files are
 * checked when the backend is opened (a bad one fails the start or the reload, naming the setting and the file)
 * and re-read every second after (grpc-java's updatable managers), so a renewed certificate serves new
 * connections without a reload; a broken file there is logged by grpc-java and the previous material kept.
 *
 * <p>Thread-safe; {@link #close} stops the re-reading.
 */
public final class BackendTls implements AutoCloseable {
  private static final ScheduledExecutorService RELOADS = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "siskin-backend-tls");
    t.setDaemon(true);
    return t;
  });

  private final BackendTlsSettings settings;
  private final String serverName;
  private final SslContext netty;
  private final ChannelCredentials grpc;
  private final List<AutoCloseable> reloads;

  private BackendTls(BackendTlsSettings settings, String serverName, SslContext netty, ChannelCredentials grpc,
      List<AutoCloseable> reloads) {
    this.settings = settings;
    this.serverName = serverName;
    this.netty = netty;
    this.grpc = grpc;
    this.reloads = reloads;
  }

  /**
   * Checks the files and builds the contexts for backend {@code name} at {@code target}.
   *
   * @throws IllegalArgumentException with the setting, the file and what is wrong, for the config's rejection
   */
  public static BackendTls open(String name, String target, BackendTlsSettings settings) {
    requireNonNull(settings, "settings");
    check(settings);
    List<AutoCloseable> reloads = new ArrayList<>();
    try {
      AdvancedTlsX509TrustManager trust = null;
      if (settings.ca().isPresent()) {
        trust = AdvancedTlsX509TrustManager.newBuilder()
            .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION)
            .build();
        reloads.add(trust.updateTrustCredentials(settings.ca().get().path().toFile(), 1, TimeUnit.SECONDS, RELOADS)
            ::close);
      }
      AdvancedTlsX509KeyManager keys = null;
      if (settings.cert().isPresent()) {
        keys = new AdvancedTlsX509KeyManager();
        reloads.add(keys.updateIdentityCredentials(settings.cert().get().path().toFile(),
            settings.key().orElseThrow().path().toFile(), 1, TimeUnit.SECONDS, RELOADS)::close);
      }
      SslContextBuilder builder = SslContextBuilder.forClient()
          .sslProvider(SslProvider.JDK)
          .protocols("TLSv1.3", "TLSv1.2")
          .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
          .endpointIdentificationAlgorithm("HTTPS")
          .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
              ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
              ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2));
      TlsChannelCredentials.Builder credentials = TlsChannelCredentials.newBuilder();
      if (trust != null) {
        builder.trustManager(trust);
        credentials.trustManager(trust);
      }
      if (keys != null) {
        builder.keyManager(keys);
        credentials.keyManager(keys);
      }
      String serverName = settings.authority().isEmpty() ? host(target) : settings.authority();
      return new BackendTls(settings, serverName, builder.build(), credentials.build(), reloads);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      reloads.forEach(BackendTls::closeQuietly);
      throw new IllegalArgumentException("backends." + name + ".tls: cannot set up TLS: " + e.getMessage(), e);
    }
  }

  /** The start-up checks of the model server's files, so a broken one is named here and not deep in a handshake. */
  private static void check(BackendTlsSettings settings) {
    try {
      if (settings.ca().isPresent()) {
        TlsFile ca = settings.ca().get();
        for (var cert : Pem.certificates(ca, Pem.read(ca))) {
          if (Instant.now().isAfter(cert.getNotAfter().toInstant())) {
            throw new TlsFileException(ca, "certificate " + cert.getSubjectX500Principal().getName()
                + " expired at " + cert.getNotAfter().toInstant());
          }
        }
      }
      if (settings.cert().isPresent()) {
        TlsFiles pair = new TlsFiles(settings.cert().get(), settings.key().orElseThrow(), Optional.empty());
        TlsIdentity.load(pair, TlsIdentity.read(pair), Instant.now());
      }
    } catch (TlsFileException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** {@code model-v2} of {@code dns:///model-v2:50051} or {@code model-v2:50051}. */
  static String host(String target) {
    String hostPort = target;
    if (target.contains("://")) {
      String path = URI.create(target).getPath();
      hostPort = path.startsWith("/") ? path.substring(1) : path;
    }
    if (hostPort.startsWith("[")) {
      return hostPort.substring(1, hostPort.indexOf(']'));
    }
    int colon = hostPort.lastIndexOf(':');
    return colon < 0 ? hostPort : hostPort.substring(0, colon);
  }

  public BackendTlsSettings settings() {
    return settings;
  }

  /** The name the backend's certificate must carry; sent as the TLS server name (SNI). */
  public String serverName() {
    return serverName;
  }

  /** The {@code authority} override for the health channel, or null to use the target's. */
  public String authorityOverride() {
    return settings.authority().isEmpty() ? null : settings.authority();
  }

  /** For the frame core's connections. */
  public SslContext nettyContext() {
    return netty;
  }

  /** For the health checks' grpc-java channel. */
  public ChannelCredentials grpcCredentials() {
    return grpc;
  }

  @Override
  public void close() {
    reloads.forEach(BackendTls::closeQuietly);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // stopping a re-read cannot fail in a way that matters
    }
  }
}
