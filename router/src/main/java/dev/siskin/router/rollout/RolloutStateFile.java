package dev.siskin.router.rollout;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.deser.std.FromStringDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;

/**
 * The rollout's state on disk, so that a restarted router resumes at the same step. Written whole to a temporary
 * file beside it and moved over it, so a crash mid-write leaves the old state or the new one, never half of
 * either. JSON, readable by people and tools. Thread-safe (no state of its own).
 */
public final class RolloutStateFile {
  /** Larger files are refused: a state file is a few kilobytes (at most 100 decisions). */
  static final long MAX_BYTES = 4 << 20;

  private static final ObjectMapper JSON = JsonMapper.builder()
      // Instants as ISO-8601 text (2026-12-01T20:00:00Z): what a person reading the file expects.
      .addModule(new SimpleModule()
          .addSerializer(Instant.class, ToStringSerializer.instance)
          .addDeserializer(Instant.class, new FromStringDeserializer<>(Instant.class) {
            @Override
            protected Instant _deserialize(String value, com.fasterxml.jackson.databind.DeserializationContext ctx) {
              return Instant.parse(value);
            }
          }))
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  private final Path file;

  public RolloutStateFile(Path file) {
    this.file = file.toAbsolutePath();
  }

  /** The file beside {@code config}: {@code <config file name>.rollout.json}. */
  public static Path besideConfig(Path config) {
    Path absolute = config.toAbsolutePath();
    return absolute.resolveSibling(absolute.getFileName() + ".rollout.json");
  }

  /**
   * The state written last, or empty when there is no file.
   *
   * @throws IOException when the file exists but cannot be read or is not a state file; the message says which
   */
  public Optional<RolloutState> read() throws IOException {
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new IOException(file + ": " + Files.size(file) + " bytes (expected: a rollout state file of at most "
            + MAX_BYTES + ")");
      }
      byte[] bytes = Files.readAllBytes(file);
      RolloutState state = JSON.readValue(bytes, RolloutState.class);
      if (state == null) {
        throw new IOException(file + ": empty (expected: a rollout state written by the router)");
      }
      return Optional.of(state);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (com.fasterxml.jackson.core.JacksonException | IllegalArgumentException | NullPointerException
        | java.time.format.DateTimeParseException e) {
      throw new IOException(file + ": not a rollout state file (" + e.getMessage().lines().findFirst().orElse("")
          + ")", e);
    }
  }

  /** Replaces the file with {@code state}, atomically where the file system can. */
  public void write(RolloutState state) throws IOException {
    Path dir = file.getParent();
    Files.createDirectories(dir);
    Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      Files.write(temp, JSON.writeValueAsBytes(state));
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
