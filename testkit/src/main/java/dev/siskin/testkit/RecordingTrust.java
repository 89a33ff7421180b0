package dev.siskin.testkit;

import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.AdvancedTlsX509TrustManager.Verification;
import java.math.BigInteger;
import java.net.Socket;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A client's trust in one CA (certificate and host name verified, as any TLS client does) that records the serial
 * number of every server certificate it accepted: how a test tells which certificate a new connection got, e.g.
 * across a rotation. Built on grpc-java's trust manager, whose peer-verifier hook sees each accepted chain.
 */
public final class RecordingTrust {
    private final List<BigInteger> serials = new CopyOnWriteArrayList<>();
    private final AdvancedTlsX509TrustManager manager;

    private RecordingTrust(X509Certificate ca) {
        try {
            manager = AdvancedTlsX509TrustManager.newBuilder()
                    .setVerification(Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION)
                    .setSslSocketAndEnginePeerVerifier(new AdvancedTlsX509TrustManager.SslSocketAndEnginePeerVerifier() {
                        @Override
                        public void verifyPeerCertificate(X509Certificate[] chain, String authType,
                                Socket socket) {
                            serials.add(chain[0].getSerialNumber());
                        }

                        @Override
                        public void verifyPeerCertificate(X509Certificate[] chain, String authType,
                                SSLEngine engine) {
                            serials.add(chain[0].getSerialNumber());
                        }
                    })
                    .build();
            manager.updateTrustCredentials(new X509Certificate[] {ca});
        } catch (Exception e) {
            throw new IllegalStateException("cannot trust " + ca.getSubjectX500Principal(), e);
        }
    }

    /** Trusts {@code ca}'s certificate alone. */
    public static RecordingTrust of(TestPki.Ca ca) {
        return new RecordingTrust(ca.certificate());
    }

    /** The trust manager to give a TLS client (e.g. {@code TlsChannelCredentials.Builder.trustManager}). */
    public X509ExtendedTrustManager manager() {
        return manager;
    }

    /** The serial of each server certificate accepted, in handshake order. */
    public List<BigInteger> serials() {
        return List.copyOf(serials);
    }

    /** The serial of the last server certificate accepted, or null before the first. */
    public BigInteger lastSerial() {
        List<BigInteger> seen = serials();
        return seen.isEmpty() ? null : seen.get(seen.size() - 1);
    }
}
