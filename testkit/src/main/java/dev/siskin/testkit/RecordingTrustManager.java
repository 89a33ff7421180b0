package dev.siskin.testkit;

import java.math.BigInteger;
import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A client's trust manager that trusts one CA (the JDK's PKIX checks, host name verification included when the TLS
 * stack asks for it) and records the serial number of every server certificate it was shown: how a test tells
 * which certificate a new connection got, e.g. across a rotation.
 */
public final class RecordingTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager delegate;
    private final List<BigInteger> serials = new CopyOnWriteArrayList<>();

    private RecordingTrustManager(X509ExtendedTrustManager delegate) {
        this.delegate = delegate;
    }

    /** Trusts {@code ca}'s certificate alone. */
    public static RecordingTrustManager trusting(TestPki.Ca ca) {
        return trusting(ca.certificate());
    }

    public static RecordingTrustManager trusting(X509Certificate ca) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("ca", ca);
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager extended) {
                    return new RecordingTrustManager(extended);
                }
            }
            throw new IllegalStateException("the JDK's PKIX factory made no X509ExtendedTrustManager");
        } catch (Exception e) {
            throw new IllegalStateException("cannot trust " + ca.getSubjectX500Principal(), e);
        }
    }

    /** The serial of each server certificate seen, in handshake order. */
    public List<BigInteger> serials() {
        return List.copyOf(serials);
    }

    /** The serial of the last server certificate seen, or null before the first handshake. */
    public BigInteger lastSerial() {
        List<BigInteger> seen = serials();
        return seen.isEmpty() ? null : seen.get(seen.size() - 1);
    }

    private void record(X509Certificate[] chain) {
        if (chain != null && chain.length > 0) {
            serials.add(chain[0].getSerialNumber());
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        record(chain);
        delegate.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        record(chain);
        delegate.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        record(chain);
        delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        delegate.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        delegate.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }
}
