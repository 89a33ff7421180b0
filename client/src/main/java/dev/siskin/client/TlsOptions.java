package dev.siskin.client;

import dev.siskin.tls.Pem;
import dev.siskin.tls.TlsFile;
import dev.siskin.tls.TlsFileException;
import dev.siskin.tls.TlsFiles;
import dev.siskin.tls.TlsIdentity;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --tls-ca}, {@code --tls-cert}/{@code --tls-key} and {@code --authority}: call the target over TLS. Without
 * {@code --tls-ca} the calls are plaintext, as before. The files are read and checked before any call, so a wrong
 * file is a usage error naming it, not a failed handshake.
 */
final class TlsOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  @Option(names = "--tls-ca", paramLabel = "FILE",
      description = "Call over TLS, trusting the CA certificates in this PEM file (the CA that signed the server's certificate).")
  Path ca;

  @Option(names = "--tls-cert", paramLabel = "FILE",
      description = "Client certificate chain (PEM) for a server that requires one (mTLS); with --tls-key and --tls-ca.")
  Path cert;

  @Option(names = "--tls-key", paramLabel = "FILE",
      description = "Private key of --tls-cert (unencrypted PKCS#8 PEM, -----BEGIN PRIVATE KEY-----).")
  Path key;

  @Option(names = "--authority", paramLabel = "NAME",
      description = "Server name to verify in its certificate (and to send as :authority) instead of the --target host; with --tls-ca.")
  String authority;

  /** Plaintext without {@code --tls-ca}; otherwise TLS with the checked files. A bad combination or file is a usage error. */
  ChannelCredentials credentials() {
    if (ca == null) {
      String stray = cert != null ? "--tls-cert" : key != null ? "--tls-key" : authority != null ? "--authority" : null;
      if (stray != null) {
        throw usage(stray + " needs --tls-ca (the CA that signed the server's certificate): it applies to TLS calls only");
      }
      return InsecureChannelCredentials.create();
    }
    if ((cert == null) != (key == null)) {
      throw usage(cert != null ? "--tls-cert needs --tls-key (the private key of that certificate)"
          : "--tls-key needs --tls-cert (the certificate of that key)");
    }
    if (authority != null && authority.isBlank()) {
      throw usage("--authority '': expected the server name its certificate names, e.g. localhost");
    }
    TlsFile caFile = new TlsFile("--tls-ca", ca);
    try {
      byte[] trusted = Pem.read(caFile);
      Pem.certificates(caFile, trusted);
      TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder()
          .trustManager(new ByteArrayInputStream(trusted));
      if (cert != null) {
        TlsFiles files = new TlsFiles(new TlsFile("--tls-cert", cert), new TlsFile("--tls-key", key), Optional.of(caFile));
        TlsIdentity.Contents contents = TlsIdentity.read(files);
        TlsIdentity.load(files, contents, Instant.now());
        builder.keyManager(new ByteArrayInputStream(contents.cert()), new ByteArrayInputStream(contents.key()));
      }
      return builder.build();
    } catch (TlsFileException e) {
      throw usage(e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // reading a byte array: cannot happen
    }
  }

  /** The {@code --authority} override, if given. */
  Optional<String> authority() {
    return Optional.ofNullable(authority);
  }

  private ParameterException usage(String message) {
    return new ParameterException(mixee.commandLine(), message);
  }
}
