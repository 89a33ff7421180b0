package dev.siskin.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A directory laid out as the kubelet mounts a Secret or ConfigMap volume, and updated as it updates one (its
 * AtomicWriter): the files live in a hidden, timestamped directory {@code ..2026_12_02_18_30_00.123456789}, a symlink
 * {@code ..data} points at it, and every visible name is a symlink {@code tls.crt -> ..data/tls.crt}. An update
 * writes a new timestamped directory, points a new symlink {@code ..data_tmp} at it, renames that over
 * {@code ..data} (the one atomic step: all files change together) and deletes the old directory. The visible
 * files themselves are never written, so a watcher of one file's modification sees nothing.
 */
public final class KubernetesSecretDir {
    private static final String DATA = "..data";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy_MM_dd_HH_mm_ss");

    private final Path dir;
    private int generation;

    private KubernetesSecretDir(Path dir) {
        this.dir = dir;
    }

    /** Lays out {@code dir} (created if needed) with {@code files} (name to content). */
    public static KubernetesSecretDir create(Path dir, Map<String, String> files) {
        KubernetesSecretDir secret = new KubernetesSecretDir(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        secret.publish(files);
        return secret;
    }

    /** The visible path of {@code name}, as a pod reads it. */
    public Path file(String name) {
        return dir.resolve(name);
    }

    public Path dir() {
        return dir;
    }

    /** Swaps in a new generation holding {@code files}, atomically for all of them. */
    public void publish(Map<String, String> files) {
        try {
            Path previous = Files.isSymbolicLink(dir.resolve(DATA))
                    ? dir.resolve(DATA).resolveSibling(Files.readSymbolicLink(dir.resolve(DATA))) : null;
            String name = ".." + STAMP.format(LocalDateTime.now()) + "." + String.format("%09d", ++generation);
            Path generationDir = Files.createDirectory(dir.resolve(name));
            for (Map.Entry<String, String> file : files.entrySet()) {
                Files.writeString(generationDir.resolve(file.getKey()), file.getValue(), StandardCharsets.US_ASCII);
            }
            Path tmp = Files.createSymbolicLink(dir.resolve(DATA + "_tmp"), Path.of(name));
            Files.move(tmp, dir.resolve(DATA), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            for (String file : files.keySet()) {
                Path visible = dir.resolve(file);
                if (!Files.isSymbolicLink(visible)) {
                    Files.createSymbolicLink(visible, Path.of(DATA, file));
                }
            }
            if (previous != null) {
                deleteTree(previous);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
