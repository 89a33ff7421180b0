package dev.siskin.tls;

import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS material of a server, kept in step with its files. The key manager (and the peers' trust manager, with a
 * trust file) are grpc-java's updatable ones: a TLS stack built on them once uses the newest material for every new
 * handshake, while established connections keep theirs.
 *
 * <p>The files are re-read when anything changes in their directories (the directory of each path as configured,
 * where a Kubernetes Secret's {@code ..data} symlink swap happens, and the directory the path resolves to), and
 * every {@code period} as well, for file systems without change events. A change is what changes the files'
 * content (SHA-256 of all of them together); touching a file is none. New content that passes {@link
 * TlsIdentity#load}'s checks replaces the old and is logged at INFO; content that does not is logged once at ERROR
 * with the file and the reason, and the last good material keeps serving.
 */
public final class ReloadingTls implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReloadingTls.class);
    /** How long a burst of changes must pause before the files are read (a tool writes the cert, then the key). */
    private static final Duration SETTLE = Duration.ofMillis(100);
    /** The longest a steady stream of changes delays a read. */
    private static final Duration SETTLE_AT_MOST = Duration.ofMillis(500);

    /** Told about every outcome of a reload (for metrics). Called on the watching thread. */
    public interface Listener {
        void reloaded(TlsIdentity identity);

        void rejected(TlsFileException error);

        /** Told nothing: for files whose reloads another listener reports already. */
        Listener NONE = new Listener() {
            @Override
            public void reloaded(TlsIdentity identity) {
            }

            @Override
            public void rejected(TlsFileException error) {
            }
        };
    }

    private final String owner;
    private final TlsFiles files;
    private final Duration period;
    private final Listener listener;
    private final Clock clock;
    private final AdvancedTlsX509KeyManager keyManager = new AdvancedTlsX509KeyManager();
    private final AdvancedTlsX509TrustManager trustManager;
    private final WatchService watcher;
    private final Set<Path> watched = new LinkedHashSet<>();
    private final Thread thread;
    private volatile TlsIdentity current;
    private volatile boolean closed;
    private String lastFingerprint;

    private ReloadingTls(String owner, TlsFiles files, Duration period, Listener listener, Clock clock,
            AdvancedTlsX509TrustManager.Verification peerVerification) throws TlsFileException {
        this.owner = owner;
        this.files = files;
        this.period = period;
        this.listener = listener;
        this.clock = clock;
        try {
            trustManager = files.trust().isPresent()
                    ? AdvancedTlsX509TrustManager.newBuilder().setVerification(peerVerification).build() : null;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create a trust manager", e);
        }
        TlsIdentity.Contents contents = TlsIdentity.read(files);
        apply(TlsIdentity.load(files, contents, clock.instant()));
        lastFingerprint = fingerprint(contents);
        WatchService service;
        try {
            service = FileSystems.getDefault().newWatchService();
        } catch (IOException | UnsupportedOperationException e) {
            log.warn("{}: no file change events ({}); checking the TLS files every {} ms", owner, e.getMessage(),
                    period.toMillis());
            service = null;
        }
        watcher = service;
        watchDirectories();
        thread = new Thread(this::run, "tls-reload");
        thread.setDaemon(true);
    }

    /**
     * Loads the files (failing with the first problem, as a server's start should) and starts watching them.
     *
     * @param owner the name that starts each log line, e.g. {@code model-server}
     * @param period how often the files are re-read even without change events
     * @param peerVerification how the peers' certificates are checked against the trust file, if there is one
     */
    public static ReloadingTls start(String owner, TlsFiles files, Duration period, Listener listener,
            AdvancedTlsX509TrustManager.Verification peerVerification) throws TlsFileException {
        return start(owner, files, period, listener, peerVerification, Clock.systemUTC());
    }

    static ReloadingTls start(String owner, TlsFiles files, Duration period, Listener listener,
            AdvancedTlsX509TrustManager.Verification peerVerification, Clock clock) throws TlsFileException {
        ReloadingTls tls = new ReloadingTls(owner, files, period, listener, clock, peerVerification);
        tls.thread.start();
        return tls;
    }

    public TlsFiles files() {
        return files;
    }

    /** The material new handshakes use now. */
    public TlsIdentity current() {
        return current;
    }

    /** Presents the current certificate chain in each new handshake. */
    public X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    /**
     * Checks peers' certificates against the current trust file; empty without one. It names no CA in the
     * handshake's certificate request: a TLS stack such as Netty's OpenSSL one reads that list once, when its context
     * is built, so after a CA rotation it would keep naming the old CA and clients that pick their certificate by
     * the names (the JDK's key managers do) would send none. Without names a client sends the one it has.
     */
    public Optional<X509ExtendedTrustManager> peerTrustManager() {
        return Optional.ofNullable(trustManager).map(NamingNoIssuers::new);
    }

    private static final class NamingNoIssuers extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;

        NamingNoIssuers(X509ExtendedTrustManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate.checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    private void apply(TlsIdentity identity) throws TlsFileException {
        if (trustManager != null) {
            try {
                trustManager.updateTrustCredentials(identity.trusted().toArray(X509Certificate[]::new));
            } catch (IOException | GeneralSecurityException e) {
                throw new TlsFileException(files.trust().orElseThrow(), "cannot be used as trusted CAs: " + e.getMessage());
            }
        }
        keyManager.updateIdentityCredentials(identity.chain().toArray(X509Certificate[]::new), identity.key());
        current = identity;
    }

    private void run() {
        try {
            while (!closed) {
                if (watcher == null) {
                    Thread.sleep(period.toMillis());
                } else {
                    WatchKey key = watcher.poll(period.toMillis(), TimeUnit.MILLISECONDS);
                    if (key != null) {
                        settle(key);
                    }
                }
                check();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    /** Consumes a burst of change events, returning once none came for {@link #SETTLE}. */
    private void settle(WatchKey first) throws InterruptedException {
        long until = System.nanoTime() + SETTLE_AT_MOST.toNanos();
        WatchKey key = first;
        while (key != null) {
            key.pollEvents();
            key.reset();
            if (System.nanoTime() > until) {
                return;
            }
            key = watcher.poll(SETTLE.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Re-reads the files; applies or reports new content. */
    private void check() {
        try {
            TlsIdentity.Contents contents;
            String fingerprint;
            try {
                contents = TlsIdentity.read(files);
                fingerprint = fingerprint(contents);
            } catch (TlsFileException e) {
                fingerprint = "unreadable " + e.getMessage();
                if (!fingerprint.equals(lastFingerprint)) {
                    lastFingerprint = fingerprint;
                    reject(e);
                }
                return;
            }
            if (fingerprint.equals(lastFingerprint)) {
                return;
            }
            lastFingerprint = fingerprint;
            try {
                TlsIdentity identity = TlsIdentity.load(files, contents, clock.instant());
                apply(identity);
                log.info("{}: TLS files reloaded: {} from {}{}; new connections use it", owner, identity.describe(),
                        files.cert(), files.trust().map(t -> ", trusting " + identity.trusted().size()
                                + " CA certificate(s) of " + t).orElse(""));
                listener.reloaded(identity);
            } catch (TlsFileException e) {
                reject(e);
            }
        } catch (RuntimeException e) {
            // A bug must not stop the watching for good; the next change is tried again.
            lastFingerprint = null;
            log.error("{}: TLS reload failed unexpectedly: {}", owner, e.toString(), e);
        } finally {
            watchDirectories();
        }
    }

    private void reject(TlsFileException e) {
        log.error("{}: TLS files not reloaded, the previous certificate keeps serving ({}): {}", owner,
                current.describe(), e.getMessage());
        listener.rejected(e);
    }

    /** Registers every directory a file lives in, as configured and as resolved now; new ones after a swap. */
    private void watchDirectories() {
        if (watcher == null) {
            return;
        }
        for (TlsFile file : files.all()) {
            Path configured = file.path().toAbsolutePath();
            register(configured.getParent());
            try {
                register(configured.toRealPath().getParent());
            } catch (IOException e) {
                // gone for the moment; the configured directory is watched, and the next check retries
            }
        }
    }

    private void register(Path dir) {
        if (dir == null || watched.contains(dir) && Files.isDirectory(dir)) {
            return;
        }
        try {
            dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                    StandardWatchEventKinds.ENTRY_MODIFY);
            watched.add(dir);
        } catch (IOException | ClosedWatchServiceException e) {
            // a directory that went away; the periodic check still covers its files
            watched.remove(dir);
        }
    }

    private static String fingerprint(TlsIdentity.Contents contents) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (byte[] part : new byte[][] {contents.cert(), contents.key(), contents.trust()}) {
                byte[] bytes = part == null ? new byte[0] : part;
                digest.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
                digest.update((byte) ':');
                digest.update(bytes);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops watching; the managers keep the last material for connections that still use them. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException e) {
                // nothing left to do
            }
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
