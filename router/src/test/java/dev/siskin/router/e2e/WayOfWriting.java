package dev.siskin.router.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The ways operators and tools rewrite canary.conf, as issue 3 lists them. Each writes the given stage's
 * weights (the text for the others comes from {@link CanaryConf}) to the path the router watches.
 */
enum WayOfWriting {
  /** Truncate and write the file itself (through the symlinks, when it is one), as {@code echo > file} does. */
  IN_PLACE {
    @Override
    void write(Path config, CanaryConf conf, String stage) throws IOException {
      inPlace(config, conf.render());
    }
  },
  /** Write a temp file beside it and rename it over the path, as most editors save. */
  TEMP_FILE_AND_RENAME {
    @Override
    void write(Path config, CanaryConf conf, String stage) throws IOException {
      tempFileAndRename(config, conf.render());
    }
  },
  /** GNU {@code sed -i} as a real process (it writes a temp file and renames it; a symlink becomes a file). */
  SED_IN_PLACE {
    @Override
    void write(Path config, CanaryConf conf, String stage) throws IOException, InterruptedException {
      String script = "s/(v1 \\{[^}]*weight = )[0-9]+/\\1" + conf.v1Weight() + "/; "
          + "s/(v2 \\{[^}]*weight = )[0-9]+/\\1" + conf.v2Weight() + "/";
      Process sed = new ProcessBuilder("sed", "-i", "-E", script, config.toString())
          .redirectErrorStream(true).start();
      if (!sed.waitFor(30, TimeUnit.SECONDS)) {
        sed.destroyForcibly();
        throw new AssertionError("sed -i still running after 30 s");
      }
      String output = new String(sed.getInputStream().readAllBytes());
      if (sed.exitValue() != 0) {
        throw new AssertionError("sed -i exited " + sed.exitValue() + ": " + output);
      }
    }
  },
  /**
   * What the kubelet does to a ConfigMap volume: the file is {@code canary.conf -> ..data/canary.conf}, and
   * {@code ..data} a symlink to a timestamped directory. A new version goes into a new directory, a temp
   * symlink to it is renamed over {@code ..data} (atomic), and the old directory is removed. When another
   * way of writing replaced the {@code canary.conf} symlink by a file, the link is put back the same way.
   */
  CONFIGMAP_SYMLINK_SWAP {
    @Override
    void write(Path config, CanaryConf conf, String stage) throws IOException {
      configMapSwap(config, conf.render());
    }
  },
  /** The real scripts/stage.sh (temp file in the real file's directory, then rename; symlinks stay). */
  STAGE_SH {
    @Override
    void write(Path config, CanaryConf conf, String stage) throws IOException, InterruptedException {
      StageScript.run(config, stage);
    }
  };

  private static final AtomicLong VERSIONS = new AtomicLong();

  abstract void write(Path config, CanaryConf conf, String stage) throws IOException, InterruptedException;

  static void inPlace(Path config, String text) throws IOException {
    Files.writeString(config, text);
  }

  static void tempFileAndRename(Path config, String text) throws IOException {
    Path temp = config.resolveSibling("." + config.getFileName() + ".swp");
    Files.writeString(temp, text);
    Files.move(temp, config, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Lays out {@code config} as a ConfigMap mount holding {@code conf}. */
  static void createConfigMap(Path config, CanaryConf conf) throws IOException {
    configMapSwap(config, conf.render());
  }

  static void configMapSwap(Path config, String text) throws IOException {
    Path dir = config.getParent();
    Path data = dir.resolve("..data");
    Path previous = Files.isSymbolicLink(data) ? dir.resolve(Files.readSymbolicLink(data)) : null;
    Path version = dir.resolve("..ts_" + VERSIONS.incrementAndGet());
    Files.createDirectory(version);
    Files.writeString(version.resolve(config.getFileName()), text);
    swapLink(data, version.getFileName());
    Path fileLink = Path.of("..data").resolve(config.getFileName());
    if (!Files.isSymbolicLink(config) || !Files.readSymbolicLink(config).equals(fileLink)) {
      swapLink(config, fileLink);
    }
    if (previous != null && !previous.equals(version)) {
      deleteTree(previous);
    }
  }


  private static void swapLink(Path link, Path target) throws IOException {
    Path temp = link.resolveSibling(link.getFileName() + "_tmp");
    Files.deleteIfExists(temp);
    Files.createSymbolicLink(temp, target);
    Files.move(temp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
