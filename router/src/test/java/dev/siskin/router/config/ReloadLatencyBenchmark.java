package dev.siskin.router.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Prints how long the {@link ConfigWatcher} takes, with its default timings, from the end of a write to the
 * {@code onChange} call, for each way of writing the file. Not a test: run it with
 * {@code mvn -B -q -pl router exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.siskin.router.config.ReloadLatencyBenchmark}.
 */
public final class ReloadLatencyBenchmark {
  private static final int WRITES = 25;

  interface Writer {
    void write(Path dir, String content) throws IOException;
  }

  public static void main(String[] args) throws Exception {
    System.out.printf("%-22s %8s %8s %8s %8s   (ms from write to onChange, %d writes each)%n",
        "way of writing", "min", "median", "p90", "max", WRITES);
    measure("in place", (dir, content) -> Files.writeString(dir.resolve("canary.conf"), content));
    measure("temp file + rename", (dir, content) -> {
      Path temp = Files.writeString(dir.resolve(".canary.conf.tmp"), content);
      Files.move(temp, dir.resolve("canary.conf"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    });
    int[] generation = {0};
    measure("ConfigMap symlink swap", (dir, content) -> {
      Path data = dir.resolve("..data");
      Path version = Files.createDirectory(dir.resolve("..v" + (++generation[0])));
      Files.writeString(version.resolve("canary.conf"), content);
      Path link = Files.createSymbolicLink(dir.resolve("..data_tmp"), version.getFileName());
      Files.move(link, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      if (!Files.exists(dir.resolve("canary.conf"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        Files.createSymbolicLink(dir.resolve("canary.conf"), Path.of("..data", "canary.conf"));
      }
    });
  }

  private static void measure(String name, Writer writer) throws Exception {
    Path dir = Files.createTempDirectory("reload-bench");
    try {
      writer.write(dir, config(0));
      BlockingQueue<Long> applied = new LinkedBlockingQueue<>();
      ConfigWatcher.Listener listener = new ConfigWatcher.Listener() {
        @Override
        public void onChange(CanaryConfig next) {
          applied.add(System.nanoTime());
        }

        @Override
        public void onUnchanged(CanaryConfig same) {
          throw new IllegalStateException("every write changes a weight, yet one was found unchanged");
        }

        @Override
        public void onRejected(ConfigException error) {
          throw new IllegalStateException("unexpected rejection: " + error.getMessage());
        }
      };
      double[] ms = new double[WRITES];
      try (ConfigWatcher watcher = new ConfigWatcher(dir.resolve("canary.conf"), listener)) {
        watcher.start();
        for (int i = 0; i < WRITES; i++) {
          Thread.sleep(100 + (i * 37) % 250); // writes land at different points of the poll cycle
          writer.write(dir, config(i + 1));
          long written = System.nanoTime();
          Long at = applied.poll(10, TimeUnit.SECONDS);
          if (at == null) {
            throw new IllegalStateException(name + ": write " + (i + 1) + " not applied within 10 s");
          }
          ms[i] = (at - written) / 1e6;
        }
      }
      Arrays.sort(ms);
      System.out.printf("%-22s %8.0f %8.0f %8.0f %8.0f%n",
          name, ms[0], ms[WRITES / 2], ms[(int) (WRITES * 0.9)], ms[WRITES - 1]);
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static String config(int i) {
    return "backends {\n  v1 { target = \"127.0.0.1:50052\", weight = " + (100 - i) + " }\n"
        + "  v2 { target = \"127.0.0.1:50053\", weight = " + i + " }\n}\n";
  }
}
