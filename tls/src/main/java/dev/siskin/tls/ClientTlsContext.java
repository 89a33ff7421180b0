package dev.siskin.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A client's TLS context for HTTPS (the JDK's HTTP client) from PEM files: the CA certificates to trust and,
 * for mTLS, a certificate chain with its key, checked as the servers check theirs (a key that does not belong to
 * the certificate, an expired certificate: refused, naming the file). The JDK's own PKIX checks apply, host name
 * included.
 */
public final class ClientTlsContext {
    private ClientTlsContext() {}

    /**
     * @param ca   the CA certificates' file, e.g. {@code --admin-ca}
     * @param cert the client certificate chain, when the server requires one; null for none
     * @param key  its private key; null exactly when {@code cert} is
     */
    public static SSLContext fromFiles(TlsFile ca, TlsFile cert, TlsFile key) throws TlsFileException {
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("a client certificate needs its key, and a key its certificate");
        }
        List<X509Certificate> trusted = Pem.certificates(ca, Pem.read(ca));
        TlsIdentity own = null;
        if (cert != null) {
            TlsFiles files = new TlsFiles(cert, key, Optional.of(ca));
            own = TlsIdentity.load(files, TlsIdentity.read(files), Instant.now());
        }
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            for (int i = 0; i < trusted.size(); i++) {
                trust.setCertificateEntry("ca-" + i, trusted.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManager[] keys = null;
            if (own != null) {
                char[] password = "in-memory".toCharArray(); // a store that never leaves this method
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("client", own.key(), password, own.chain().toArray(new X509Certificate[0]));
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(store, password);
                keys = kmf.getKeyManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a TLS context from " + ca + ": " + e.getMessage(), e);
        }
    }
}
