package dev.siskin.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made by the test, in a directory of its own, that issues server and client certificates
 * as PEM files: the certificate chain (leaf, then this CA) and an unencrypted PKCS#8 key. Keys are EC P-256 (fast
 * to generate; RSA on request), signatures SHA-256. Pure Java (BouncyCastle's certificate builder on the JDK's own
 * crypto): no openssl process, no provider registered globally.
 *
 * <pre>{@code
 * TestPki.Ca ca = TestPki.newCa(dir, "test-ca");
 * TestPki.Issued server = ca.issueServer("server");          // localhost and 127.0.0.1
 * TestPki.Issued client = ca.issueClient("client", "router"); // CN=router, clientAuth
 * TestPki.Issued other  = TestPki.newCa(dir, "other-ca").issueClient("stranger", "stranger");
 * ca.issueServer("server-2").copyTo(server.cert(), server.key()); // rotation in place
 * }</pre>
 */
public final class TestPki {
    /** What a server certificate is valid for unless the test names others: the loopback name and address. */
    public static final List<String> LOOPBACK_NAMES = List.of("localhost", "127.0.0.1");

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration DEFAULT_VALIDITY = Duration.ofDays(1);
    // Clocks of the processes under test may be a little behind the one that issued.
    private static final Duration BACKDATE = Duration.ofHours(1);

    private TestPki() {}

    /** Key algorithms the CA can issue. */
    public enum KeyType {
        EC("EC", "SHA256withECDSA"),
        RSA("RSA", "SHA256withRSA");

        private final String algorithm;
        private final String signature;

        KeyType(String algorithm, String signature) {
            this.algorithm = algorithm;
            this.signature = signature;
        }

        KeyPair generate() {
            try {
                KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
                if (this == EC) {
                    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
                } else {
                    generator.initialize(2048, RANDOM);
                }
                return generator.generateKeyPair();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot generate a " + this + " key", e);
            }
        }
    }

    /** A new self-signed CA {@code CN=name}, written to {@code dir/name.crt} (and its key to {@code name.key}). */
    public static Ca newCa(Path dir, String name) {
        KeyPair keys = KeyType.EC.generate();
        X500Name subject = new X500Name("CN=" + name);
        X509Certificate cert = sign(subject, subject, keys, keys.getPrivate(), KeyType.EC, DEFAULT_VALIDITY.multipliedBy(30),
                builder -> {
                    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                    builder.addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
                }, null);
        Path certFile = dir.resolve(name + ".crt");
        Path keyFile = dir.resolve(name + ".key");
        writePem(certFile, List.of(cert));
        writeKey(keyFile, keys.getPrivate());
        return new Ca(dir, name, cert, keys, new Issued(certFile, keyFile, List.of(cert), keys.getPrivate()));
    }

    /**
     * A client-side TLS context (for the JDK's HTTP client or an {@code SSLSocket}) that trusts {@code ca} and,
     * when {@code identity} is not null, presents that certificate (for mTLS). The JDK's usual checks apply,
     * the host name included.
     */
    public static javax.net.ssl.SSLContext clientContext(Ca ca, Issued identity) {
        try {
            java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca.certificate());
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            javax.net.ssl.KeyManager[] keys = null;
            if (identity != null) {
                char[] password = "test".toCharArray();
                java.security.KeyStore own = java.security.KeyStore.getInstance("PKCS12");
                own.load(null, null);
                own.setKeyEntry("me", identity.privateKey(), password,
                        identity.chain().toArray(new X509Certificate[0]));
                javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                        javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(own, password);
                keys = kmf.getKeyManagers();
            }
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(keys, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a client TLS context", e);
        }
    }

    /** A CA: issues certificates signed by its key into its directory. */
    public static final class Ca {
        private final Path dir;
        private final String name;
        private final X509Certificate certificate;
        private final KeyPair keys;
        private final Issued files;

        private Ca(Path dir, String name, X509Certificate certificate, KeyPair keys, Issued files) {
            this.dir = dir;
            this.name = name;
            this.certificate = certificate;
            this.keys = keys;
            this.files = files;
        }

        /** The CA certificate's PEM file: what a peer trusts ({@code TLS_CLIENT_CA}, {@code --tls-ca}). */
        public Path certFile() {
            return files.cert();
        }

        public X509Certificate certificate() {
            return certificate;
        }

        public String name() {
            return name;
        }

        /** A server certificate for {@link #LOOPBACK_NAMES}, valid for a day, in {@code stem.crt}/{@code stem.key}. */
        public Issued issueServer(String stem) {
            return issue(new Request(stem, "CN=" + stem, LOOPBACK_NAMES, true, DEFAULT_VALIDITY, KeyType.EC));
        }

        /** A client certificate {@code CN=commonName}, valid for a day, in {@code stem.crt}/{@code stem.key}. */
        public Issued issueClient(String stem, String commonName) {
            return issue(new Request(stem, "CN=" + commonName, List.of(), false, DEFAULT_VALIDITY, KeyType.EC));
        }

        /**
         * A certificate for both ends of a connection (server and client usages), e.g. a router's admin certificate
         * that it presents to the other routers too.
         */
        public Issued issueServerAndClient(String stem, String commonName, List<String> names) {
            return issue(new Request(stem, "CN=" + commonName, names, true, DEFAULT_VALIDITY, KeyType.EC),
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth});
        }

        /** Anything else: names, validity, key type. */
        public Issued issue(Request request) {
            return issue(request, new KeyPurposeId[] {
                request.server() ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth});
        }

        private Issued issue(Request request, KeyPurposeId[] purposes) {
            KeyPair leafKeys = request.keyType().generate();
            X509Certificate cert = sign(new X500Name(certificate.getSubjectX500Principal().getName()),
                    new X500Name(request.subject()), leafKeys, keys.getPrivate(), KeyType.EC, request.validity(),
                    builder -> {
                        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature
                                | (request.keyType() == KeyType.RSA ? KeyUsage.keyEncipherment : 0)));
                        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
                        if (!request.names().isEmpty()) {
                            builder.addExtension(Extension.subjectAlternativeName, false, subjectAltNames(request.names()));
                        }
                    }, certificate);
            Path certFile = dir.resolve(request.stem() + ".crt");
            Path keyFile = dir.resolve(request.stem() + ".key");
            List<X509Certificate> chain = List.of(cert, certificate);
            writePem(certFile, chain);
            writeKey(keyFile, leafKeys.getPrivate());
            return new Issued(certFile, keyFile, chain, leafKeys.getPrivate());
        }
    }

    /**
     * What to issue.
     *
     * @param stem file names in the CA's directory: {@code stem.crt}, {@code stem.key}
     * @param subject the distinguished name, e.g. {@code CN=router}
     * @param names DNS names and IP addresses (subject alternative names); empty for none
     * @param server serverAuth (true) or clientAuth (false) extended key usage
     * @param validity from an hour ago, for this long
     */
    public record Request(String stem, String subject, List<String> names, boolean server, Duration validity,
            KeyType keyType) {
        public Request {
            names = List.copyOf(names);
        }
    }

    /**
     * An issued certificate and its files.
     *
     * @param chain the leaf first, then the CA
     */
    public record Issued(Path cert, Path key, List<X509Certificate> chain, PrivateKey privateKey) {
        public Issued {
            chain = List.copyOf(chain);
        }

        public X509Certificate certificate() {
            return chain.get(0);
        }

        public BigInteger serial() {
            return certificate().getSerialNumber();
        }

        /** The serial as openssl and the servers' logs print it: upper-case hex. */
        public String serialHex() {
            return serial().toString(16).toUpperCase(Locale.ROOT);
        }

        /** The chain as PEM text, as in {@link #cert()}. */
        public String certPem() {
            return pem(chain);
        }

        public String keyPem() {
            return pem("PRIVATE KEY", privateKey.getEncoded());
        }

        /**
         * Writes this certificate and key over {@code certFile} and {@code keyFile}, each replaced atomically (a
         * temporary file in the same directory, then a rename), the certificate first: rotation as a deploy tool
         * does it.
         */
        public void copyTo(Path certFile, Path keyFile) {
            replaceAtomically(certFile, certPem());
            replaceAtomically(keyFile, keyPem());
        }
    }

    /** Replaces {@code file} with {@code text} atomically: no reader sees a half-written file. */
    public static void replaceAtomically(Path file, String text) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Path temporary = Files.createTempFile(parent, "." + file.getFileName(), ".tmp");
            Files.writeString(temporary, text, StandardCharsets.US_ASCII);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface Extensions {
        void add(X509v3CertificateBuilder builder) throws IOException;
    }

    private static X509Certificate sign(X500Name issuer, X500Name subject, KeyPair subjectKeys, PrivateKey issuerKey,
            KeyType issuerKeyType, Duration validity, Extensions extensions, X509Certificate issuerCert) {
        Instant notBefore = Instant.now().minus(BACKDATE);
        // Positive and unique: serials are how the tests tell one issued certificate from the next.
        BigInteger serial = new BigInteger(63, RANDOM).add(BigInteger.ONE);
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, serial, Date.from(notBefore),
                    Date.from(notBefore.plus(BACKDATE).plus(validity)), subject, subjectKeys.getPublic());
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    utils.createSubjectKeyIdentifier(subjectKeys.getPublic()));
            if (issuerCert != null) {
                builder.addExtension(Extension.authorityKeyIdentifier, false,
                        utils.createAuthorityKeyIdentifier(issuerCert));
            }
            extensions.add(builder);
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(issuerKeyType.signature).build(issuerKey)));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot issue " + subject, e);
        }
    }

    private static GeneralNames subjectAltNames(List<String> names) {
        List<GeneralName> out = new ArrayList<>();
        for (String name : names) {
            boolean ip = name.matches("[0-9.]+") || name.contains(":");
            out.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, name));
        }
        return new GeneralNames(out.toArray(GeneralName[]::new));
    }

    /** PEM text of certificates, in order. */
    public static String pem(List<X509Certificate> certificates) {
        StringBuilder out = new StringBuilder();
        for (X509Certificate cert : certificates) {
            try {
                out.append(pem("CERTIFICATE", cert.getEncoded()));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        return out.toString();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void writePem(Path file, List<X509Certificate> certificates) {
        write(file, pem(certificates));
    }

    private static void writeKey(Path file, PrivateKey key) {
        write(file, pem("PRIVATE KEY", key.getEncoded()));
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
