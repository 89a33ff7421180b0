package dev.siskin.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the router's admin token for {@code --admin-token-file}: the file's content, trimmed. */
final class AdminTokens {
  private AdminTokens() {}

  /** The token, or null without a file; a file that cannot be read or is empty is a usage error. */
  static String read(Path file) {
    if (file == null) {
      return null;
    }
    try {
      String token = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (token.isEmpty()) {
        throw new CliException("--admin-token-file=" + file + ": the file is empty", ExitCodes.USAGE);
      }
      return token;
    } catch (IOException e) {
      throw new CliException("--admin-token-file=" + file + ": cannot read it (" + e + ")", ExitCodes.USAGE);
    }
  }
}
