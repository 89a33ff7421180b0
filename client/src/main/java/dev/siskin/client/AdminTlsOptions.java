package dev.siskin.client;

import dev.siskin.tls.ClientTlsContext;
import dev.siskin.tls.TlsFile;
import dev.siskin.tls.TlsFileException;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --admin-ca}, {@code --admin-cert}/{@code --admin-key}: read the router's admin endpoint over HTTPS (its
 * {@code router.admin-tls}). Defaults from the environment, as the admin token's, so that scripts need not pass
 * them along. The files are checked before any request: a wrong one is a usage error naming it.
 */
final class AdminTlsOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  @Option(names = "--admin-ca", paramLabel = "FILE", defaultValue = "${env:SISKIN_ADMIN_CA}",
      description = "Read the admin endpoint over HTTPS, trusting the CA certificates in this PEM file; default: "
          + "$SISKIN_ADMIN_CA, else plain HTTP.")
  Path ca;

  @Option(names = "--admin-cert", paramLabel = "FILE", defaultValue = "${env:SISKIN_ADMIN_CERT}",
      description = "Client certificate chain (PEM) for an admin endpoint that requires one (router.admin-tls."
          + "client-ca); with --admin-key; default: $SISKIN_ADMIN_CERT.")
  Path cert;

  @Option(names = "--admin-key", paramLabel = "FILE", defaultValue = "${env:SISKIN_ADMIN_KEY}",
      description = "Private key of --admin-cert (unencrypted PKCS#8 PEM); default: $SISKIN_ADMIN_KEY.")
  Path key;

  /** Null for plain HTTP (no {@code --admin-ca}); a bad combination or file is a usage error. */
  SSLContext context() {
    if (ca == null) {
      if (cert != null || key != null) {
        throw usage((cert != null ? "--admin-cert" : "--admin-key") + " needs --admin-ca (the CA that signed the "
            + "admin endpoint's certificate): it applies to HTTPS only");
      }
      return null;
    }
    if ((cert == null) != (key == null)) {
      throw usage(cert != null ? "--admin-cert needs --admin-key (the private key of that certificate)"
          : "--admin-key needs --admin-cert (the certificate of that key)");
    }
    try {
      return ClientTlsContext.fromFiles(new TlsFile("--admin-ca", ca),
          cert == null ? null : new TlsFile("--admin-cert", cert), key == null ? null : new TlsFile("--admin-key", key));
    } catch (TlsFileException e) {
      throw usage(e.getMessage());
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(mixee.commandLine(), message);
  }
}
