package dev.siskin.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and PKCS#8 private keys. Every failure is a {@link TlsFileException} that says what was
 * found instead of what was expected, including the usual mix-ups (a key in the certificate file, a PKCS#1 key, an
 * encrypted key).
 */
public final class Pem {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    private static final String CERTIFICATE = "CERTIFICATE";
    private static final String PKCS8 = "PRIVATE KEY";
    private static final String[] KEY_ALGORITHMS = {"EC", "RSA"};

    private Pem() {}

    /** One PEM block: its type ({@code CERTIFICATE}) and decoded bytes. */
    private record Block(String type, byte[] der) {}

    /** The file's bytes (symlinks followed). */
    public static byte[] read(TlsFile file) throws TlsFileException {
        try {
            if (Files.isDirectory(file.path())) {
                throw new TlsFileException(file, "is a directory, not a PEM file");
            }
            return Files.readAllBytes(file.path());
        } catch (NoSuchFileException e) {
            throw new TlsFileException(file, "cannot read it: no such file");
        } catch (AccessDeniedException e) {
            throw new TlsFileException(file, "cannot read it: permission denied");
        } catch (IOException e) {
            throw new TlsFileException(file, "cannot read it: " + e);
        }
    }

    /** The certificates of a PEM file, in file order; at least one. */
    public static List<X509Certificate> certificates(TlsFile file, byte[] content) throws TlsFileException {
        List<Block> blocks = blocks(file, content);
        List<X509Certificate> out = new ArrayList<>();
        for (Block block : blocks) {
            if (!block.type().equals(CERTIFICATE)) {
                if (block.type().contains("PRIVATE KEY")) {
                    throw new TlsFileException(file, "holds a private key; expected certificates "
                            + "(-----BEGIN CERTIFICATE-----) here (are the certificate and key files swapped?)");
                }
                continue; // e.g. EC PARAMETERS, harmless
            }
            try {
                CertificateFactory factory = CertificateFactory.getInstance("X.509");
                out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
            } catch (CertificateException e) {
                throw new TlsFileException(file, "certificate " + (out.size() + 1) + " cannot be parsed: "
                        + e.getMessage());
            }
        }
        if (out.isEmpty()) {
            throw new TlsFileException(file, "no certificate in it (expected PEM: -----BEGIN CERTIFICATE-----)");
        }
        return List.copyOf(out);
    }

    /** The one unencrypted PKCS#8 private key (RSA or EC) of a PEM file. */
    public static PrivateKey privateKey(TlsFile file, byte[] content) throws TlsFileException {
        List<Block> keys = new ArrayList<>();
        for (Block block : blocks(file, content)) {
            switch (block.type()) {
                case PKCS8 -> keys.add(block);
                case "ENCRYPTED PRIVATE KEY" -> throw new TlsFileException(file,
                        "the key is encrypted; expected an unencrypted PKCS#8 key (openssl pkcs8 -topk8 -nocrypt)");
                case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> throw new TlsFileException(file, "holds an "
                        + block.type().replace(" PRIVATE KEY", "") + " key in the traditional format; expected PKCS#8 "
                        + "(-----BEGIN PRIVATE KEY-----): convert it with openssl pkcs8 -topk8 -nocrypt -in OLD -out NEW");
                case CERTIFICATE -> {
                    // reported below if no key follows: a certificate where the key should be
                }
                default -> {
                    // e.g. EC PARAMETERS before the key, harmless
                }
            }
        }
        if (keys.isEmpty()) {
            boolean certificate = blocks(file, content).stream().anyMatch(b -> b.type().equals(CERTIFICATE));
            throw new TlsFileException(file, certificate
                    ? "holds a certificate but no private key (are the certificate and key files swapped?)"
                    : "no private key in it (expected PEM: -----BEGIN PRIVATE KEY-----)");
        }
        if (keys.size() > 1) {
            throw new TlsFileException(file, keys.size() + " private keys in it; expected exactly one");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(keys.get(0).der());
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException e) {
                // another algorithm, or not a key at all: try the next
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK lacks " + algorithm + " keys", e);
            }
        }
        throw new TlsFileException(file, "the private key cannot be parsed (expected an RSA or EC key in PKCS#8)");
    }

    private static List<Block> blocks(TlsFile file, byte[] content) throws TlsFileException {
        String text = new String(content, StandardCharsets.US_ASCII);
        Matcher m = BLOCK.matcher(text);
        List<Block> out = new ArrayList<>();
        while (m.find()) {
            try {
                out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new TlsFileException(file, "PEM block " + m.group(1) + " is not valid base64");
            }
        }
        if (out.isEmpty()) {
            throw new TlsFileException(file, content.length == 0 ? "the file is empty (expected PEM)"
                    : "not a PEM file (no -----BEGIN ...----- block)");
        }
        return out;
    }
}
