package dev.siskin.tls;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One checked set of TLS material: a certificate chain with the private key of its first certificate, and the
 * certificates trusted for peers, if any. Built only by {@link #load}, so an instance always passed its checks.
 *
 * @param chain the endpoint's certificate first, then intermediates as in the file
 * @param trusted the peers' CA certificates; empty when peers are not authenticated
 */
public record TlsIdentity(List<X509Certificate> chain, PrivateKey key, List<X509Certificate> trusted) {
    private static final SecureRandom RANDOM = new SecureRandom();

    public TlsIdentity {
        chain = List.copyOf(chain);
        trusted = List.copyOf(trusted);
    }

    /** The raw bytes of each file, read at one moment; {@code trust} null when there is no trust file. */
    public record Contents(byte[] cert, byte[] key, byte[] trust) {}

    /** Reads the files now. */
    public static Contents read(TlsFiles files) throws TlsFileException {
        byte[] cert = Pem.read(files.cert());
        byte[] key = Pem.read(files.key());
        byte[] trust = files.trust().isPresent() ? Pem.read(files.trust().get()) : null;
        return new Contents(cert, key, trust);
    }

    /**
     * Parses and checks: PEM certificates and a PKCS#8 key, the key belongs to the first certificate, and no
     * certificate is expired or not yet valid at {@code now}.
     */
    public static TlsIdentity load(TlsFiles files, Contents contents, Instant now) throws TlsFileException {
        List<X509Certificate> chain = Pem.certificates(files.cert(), contents.cert());
        requireValid(files.cert(), chain, now);
        PrivateKey key = Pem.privateKey(files.key(), contents.key());
        requireMatch(files, chain.get(0), key);
        List<X509Certificate> trusted = List.of();
        if (files.trust().isPresent()) {
            trusted = Pem.certificates(files.trust().get(), contents.trust());
            requireValid(files.trust().get(), trusted, now);
        }
        return new TlsIdentity(chain, key, trusted);
    }

    /** The endpoint's own certificate. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** When the chain stops working: the earliest expiry of its certificates. */
    public Instant chainExpiry() {
        return earliestExpiry(chain);
    }

    /** The earliest expiry of the trusted certificates, if there are any. */
    public Optional<Instant> trustExpiry() {
        return trusted.isEmpty() ? Optional.empty() : Optional.of(earliestExpiry(trusted));
    }

    /** {@code subject CN=server, serial 5A0F..., expires 2026-12-03T18:00:00Z}, for logs. */
    public String describe() {
        X509Certificate cert = certificate();
        return "subject " + cert.getSubjectX500Principal().getName() + ", serial " + serialHex(cert)
                + ", expires " + cert.getNotAfter().toInstant();
    }

    /** A certificate's serial number as openssl prints it: upper-case hex. */
    public static String serialHex(X509Certificate cert) {
        return cert.getSerialNumber().toString(16).toUpperCase(Locale.ROOT);
    }

    private static Instant earliestExpiry(List<X509Certificate> certificates) {
        return certificates.stream().map(c -> c.getNotAfter().toInstant()).min(Comparator.naturalOrder())
                .orElseThrow();
    }

    private static void requireValid(TlsFile file, List<X509Certificate> certificates, Instant now)
            throws TlsFileException {
        for (X509Certificate cert : certificates) {
            String which = "certificate " + cert.getSubjectX500Principal().getName() + " (serial " + serialHex(cert) + ")";
            if (now.isAfter(cert.getNotAfter().toInstant())) {
                throw new TlsFileException(file, which + " expired at " + cert.getNotAfter().toInstant());
            }
            if (now.isBefore(cert.getNotBefore().toInstant())) {
                throw new TlsFileException(file, which + " is not valid before " + cert.getNotBefore().toInstant());
            }
        }
    }

    /** A signature by the key that the certificate's public key verifies: the one check that works for any type. */
    private static void requireMatch(TlsFiles files, X509Certificate cert, PrivateKey key) throws TlsFileException {
        PublicKey publicKey = cert.getPublicKey();
        String mismatch = "the private key does not belong to the certificate in " + files.cert() + " (subject "
                + cert.getSubjectX500Principal().getName() + ", serial " + serialHex(cert) + ")";
        if (!publicKey.getAlgorithm().equals(key.getAlgorithm())) {
            throw new TlsFileException(files.key(), mismatch + ": an " + key.getAlgorithm() + " key for an "
                    + publicKey.getAlgorithm() + " certificate");
        }
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        byte[] challenge = new byte[32];
        RANDOM.nextBytes(challenge);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            if (!verifier.verify(signature)) {
                throw new TlsFileException(files.key(), mismatch);
            }
        } catch (GeneralSecurityException e) {
            // e.g. keys on different EC curves
            throw new TlsFileException(files.key(), mismatch + ": " + e.getMessage());
        }
    }
}
