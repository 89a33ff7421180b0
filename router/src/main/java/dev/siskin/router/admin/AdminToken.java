package dev.siskin.router.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin endpoint's bearer token ({@code router.admin-token-file}): the file's content, trimmed, read at start
 * (an unreadable or empty file stops the start) and again whenever its modification time or size changes, so a
 * rotated token (a Kubernetes Secret too) takes effect without a restart. A file that turns unreadable or empty
 * later keeps the last token, with one ERROR line: the endpoint never falls open. Compared in constant time.
 *
 * <p>Thread-safe: the current token is one immutable snapshot behind a volatile field.
 */
public final class AdminToken {
  private static final Logger log = LoggerFactory.getLogger(AdminToken.class);
  /** No token: every request is let in. */
  public static final AdminToken NONE = new AdminToken(null, null);

  private record Snapshot(byte[] token, FileTime modified, long size) {}

  private final Path file;
  private volatile Snapshot current;
  private volatile boolean failing;

  private AdminToken(Path file, Snapshot current) {
    this.file = file;
    this.current = current;
  }

  /** Reads the token now; {@link IOException} with what is wrong when there is none to read. */
  public static AdminToken fromFile(Path file) throws IOException {
    return new AdminToken(file, read(file));
  }

  /** The file's token; the exception's message says what is wrong, without the path (the caller names it). */
  private static Snapshot read(Path file) throws IOException {
    FileTime modified;
    long size;
    String token;
    try {
      modified = Files.getLastModifiedTime(file);
      size = Files.size(file);
      token = Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IOException("no such file", e);
    } catch (IOException e) {
      throw new IOException("cannot read it: " + e, e);
    }
    if (token.isEmpty()) {
      throw new IOException("the file is empty (expected: the admin token, e.g. from openssl rand -hex 32)");
    }
    if (token.chars().anyMatch(c -> c <= ' ' || c > '~')) {
      throw new IOException("it holds more than one word, or characters other than printable ASCII (expected: one "
          + "token)");
    }
    return new Snapshot(token.getBytes(StandardCharsets.US_ASCII), modified, size);
  }

  public boolean enabled() {
    return file != null;
  }

  /** Whether a request with this {@code Authorization} header value may be answered. */
  boolean accepts(Optional<String> authorization) {
    if (file == null) {
      return true;
    }
    String value = authorization.orElse("");
    if (!value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] sent = value.substring(7).trim().getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(sent, fresh().token());
  }

  /** The header this router sends to the admin endpoints of its rollout peers: empty without a token. */
  public Map<String, String> authorizationHeader() {
    return file == null ? Map.of() : Map.of("Authorization",
        "Bearer " + new String(fresh().token(), StandardCharsets.US_ASCII));
  }

  private Snapshot fresh() {
    Snapshot now = current;
    try {
      if (!Files.getLastModifiedTime(file).equals(now.modified()) || Files.size(file) != now.size()) {
        now = read(file);
        current = now;
        failing = false;
        log.info("admin token re-read from {}", file);
      }
    } catch (IOException e) {
      if (!failing) {
        failing = true;
        log.error("admin token file {} cannot be read ({}); the last token stays in force", file, e.getMessage());
      }
    }
    return now;
  }
}
