package dev.siskin.router.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigWatcherTest {
  private static final Duration WAIT = Duration.ofSeconds(10); // generous: the machine is shared and loaded
  /** Long enough that a wrongly repeated callback would have shown up (several polls of 250 ms). */
  private static final Duration QUIET = Duration.ofMillis(1200);

  @TempDir
  Path dir;

  private final Recorder recorder = new Recorder();
  private ConfigWatcher watcher;

  @AfterEach
  void stop() {
    if (watcher != null) {
      watcher.close();
    }
  }

  private static String config(int v1, int v2) {
    return """
        # canary stage
        backends {
          v1 { target = "127.0.0.1:50052", weight = %d }
          v2 { target = "127.0.0.1:50053", weight = %d }
        }
        """.formatted(v1, v2);
  }

  private Path writeConfig(String content) throws IOException {
    return Files.writeString(dir.resolve("canary.conf"), content);
  }

  private void startWatching(Path file) {
    watcher = new ConfigWatcher(file, recorder);
    watcher.start();
  }

  private void awaitWeights(int v1, int v2) {
    await().atMost(WAIT).untilAsserted(() -> assertThat(recorder.lastWeights()).containsExactly(v1, v2));
  }

  @Test
  void appliesAnInPlaceEdit() throws Exception {
    Path file = writeConfig(config(90, 10));
    startWatching(file);

    // Truncate and rewrite the same inode, as `cat > file` or an editor without backup copies does.
    Files.writeString(file, config(50, 50), StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);

    awaitWeights(50, 50);
    assertThat(recorder.changes).hasSize(1);
    assertThat(recorder.rejections).isEmpty();
  }

  @Test
  void appliesATempFileRenamedIntoPlace() throws Exception {
    Path file = writeConfig(config(90, 10));
    startWatching(file);

    Path temp = Files.writeString(dir.resolve(".canary.conf.tmp"), config(10, 90));
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

    awaitWeights(10, 90);
    assertThat(recorder.changes).hasSize(1);
  }

  @Test
  void appliesSedInPlace() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/bin/sed")) || Files.isExecutable(Path.of("/usr/bin/sed")), "sed not installed");
    Path file = writeConfig(config(90, 10));
    startWatching(file);

    Process sed = new ProcessBuilder("sed", "-i", "-e", "s/weight = 90/weight = 0/", "-e", "s/weight = 10/weight = 100/",
        file.toString()).redirectErrorStream(true).start();
    assertThat(sed.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(sed.exitValue()).as(new String(sed.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();

    awaitWeights(0, 100);
  }

  @Test
  void appliesAConfigMapStyleSymlinkSwap() throws Exception {
    // Kubernetes' atomic writer: dir/canary.conf -> ..data/canary.conf, ..data -> ..<timestamp>/
    Path first = Files.createDirectory(dir.resolve("..2026_01_01_00_00_00.1"));
    Files.writeString(first.resolve("canary.conf"), config(90, 10));
    Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
    Path file = Files.createSymbolicLink(dir.resolve("canary.conf"), Path.of("..data", "canary.conf"));
    startWatching(file);

    Path second = Files.createDirectory(dir.resolve("..2026_01_01_00_01_00.2"));
    Files.writeString(second.resolve("canary.conf"), config(50, 50));
    Path newLink = Files.createSymbolicLink(dir.resolve("..data_tmp"), second.getFileName());
    Files.move(newLink, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(first.resolve("canary.conf"), config(1, 1)); // the old version is no longer reachable

    awaitWeights(50, 50);
    assertThat(recorder.changes).hasSize(1);
  }

  @Test
  void rejectsEachBadVersionOnceAndThenAppliesTheNextValidOne() throws Exception {
    Path file = writeConfig(config(90, 10));
    startWatching(file);

    writeConfig(config(90, -5));
    await().atMost(WAIT).until(() -> recorder.rejections.size() == 1);
    assertThat(recorder.rejections.get(0).getMessage())
        .isEqualTo(file + ":4: backends.v2.weight: -5 (expected: an integer >= 0)");
    // Rewriting the same bad bytes is not a new version; several polls go by without a second report.
    writeConfig(config(90, -5));
    await().during(QUIET).atMost(WAIT).until(() -> recorder.rejections.size() == 1);

    writeConfig(config(90, -6));
    await().atMost(WAIT).until(() -> recorder.rejections.size() == 2);
    await().during(QUIET).atMost(WAIT).until(() -> recorder.rejections.size() == 2);

    writeConfig(config(50, 50));
    awaitWeights(50, 50);
    assertThat(recorder.changes).hasSize(1);
  }

  @Test
  void neverAppliesOrRejectsAHalfWrittenFile() throws Exception {
    Path file = writeConfig(config(90, 10));
    startWatching(file);
    byte[] next = config(10, 90).getBytes(StandardCharsets.UTF_8);
    int half = next.length / 2; // cuts the backends block: not a valid config on its own

    try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      out.write(next, 0, half);
      out.flush();
      Thread.sleep(200); // longer than a poll and a settle time, shorter than the rejection window (500 ms)
      out.write(next, half, next.length - half);
    }

    awaitWeights(10, 90);
    await().during(QUIET).atMost(WAIT).until(() -> recorder.changes.size() == 1);
    assertThat(recorder.rejections).isEmpty();
  }

  @Test
  void reportsARewriteThatDoesNotChangeTheConfigAsUnchangedOnce() throws Exception {
    Path file = writeConfig(config(90, 10));
    startWatching(file);

    writeConfig("# only a comment changed\n" + config(90, 10));

    await().atMost(WAIT).until(() -> recorder.unchanged.size() == 1);
    await().during(QUIET).atMost(WAIT).until(() -> recorder.unchanged.size() == 1);
    assertThat(recorder.changes).isEmpty();
    assertThat(recorder.rejections).isEmpty();
  }

  @Test
  void aFileRestoredAfterARejectionIsAValidAttempt() throws Exception {
    // The operator breaks a weight by hand, then puts the original file back: the router must hear that the
    // file is good again (to clear the error it reports), though there is nothing new to apply.
    String original = config(90, 10);
    Path file = writeConfig(original);
    startWatching(file);

    writeConfig(config(90, -5));
    await().atMost(WAIT).until(() -> recorder.rejections.size() == 1);
    writeConfig(original);

    await().atMost(WAIT).until(() -> recorder.unchanged.size() == 1);
    assertThat(recorder.unchanged.get(0).backends().stream().map(BackendSpec::weight)).containsExactly(90, 10);
    assertThat(recorder.changes).isEmpty();
  }

  @Test
  void reportsAChangeFromTheGivenCurrentConfig() throws Exception {
    // The router read 90/10 at start; the file was changed before the watcher started.
    Path file = writeConfig(config(90, 10));
    CanaryConfig running = CanaryConfigParser.parse(file);
    writeConfig(config(50, 50));

    watcher = new ConfigWatcher(file, recorder, running, Duration.ofMillis(250), Duration.ofMillis(50));
    watcher.start();

    awaitWeights(50, 50);
  }

  @Test
  void aDeletedFileIsRejectedOnceAndItsReturnIsAnUnchangedValidVersion() throws Exception {
    Path file = writeConfig(config(90, 10));
    startWatching(file);

    Files.delete(file);
    await().atMost(WAIT).until(() -> recorder.rejections.size() == 1);
    assertThat(recorder.rejections.get(0).getMessage()).contains("file not found");

    writeConfig(config(90, 10));
    await().atMost(WAIT).until(() -> recorder.unchanged.size() == 1);
    await().during(QUIET).atMost(WAIT).until(() -> recorder.changes.isEmpty() && recorder.rejections.size() == 1);
    writeConfig(config(80, 20));
    awaitWeights(80, 20);
  }

  @Test
  void aVersionWhoseApplyThrowsIsReportedAsRejectedAndAFixedFileApplies() throws Exception {
    // Issue 12: the router's apply step threw (a target gRPC refused) after the watcher had taken the version as
    // handled and in force, so every later edit -- a rollback included -- was silently compared with a config
    // that never applied. A failed apply is a rejection, and the config in force stays the baseline.
    Path file = writeConfig(config(90, 10));
    recorder.throwOnFirstChange = true;
    startWatching(file);

    writeConfig(config(50, 50));
    await().atMost(WAIT).until(() -> recorder.rejections.size() == 1);
    assertThat(recorder.rejections.get(0).getMessage())
        .startsWith(file + ": valid, but applying it failed: java.lang.IllegalStateException: listener failure");
    assertThat(recorder.rejections.get(0).getCause()).isInstanceOf(IllegalStateException.class);

    // The same config again (only a comment differs): it was never in force, so it is applied now.
    writeConfig("# again\n" + config(50, 50));
    awaitWeights(50, 50);
    // And going back to the config in force before the failure is no change: 90/10 never left.
    writeConfig(config(90, 10));
    awaitWeights(90, 10);
    assertThat(recorder.changes).extracting(c -> c.backends().get(0).weight()).containsExactly(50, 90);
  }

  @Test
  void callsFromOneThreadOfItsOwn() throws Exception {
    Path file = writeConfig(config(90, 10));
    startWatching(file);

    writeConfig(config(50, 50));
    awaitWeights(50, 50);
    writeConfig("backends {");
    await().atMost(WAIT).until(() -> recorder.rejections.size() == 1);

    assertThat(Set.copyOf(recorder.threads)).hasSize(1);
    assertThat(recorder.threads.get(0)).isNotEqualTo(Thread.currentThread().getName()).isEqualTo("config-watcher");
  }

  @Test
  void stopsReportingAfterClose() throws Exception {
    Path file = writeConfig(config(90, 10));
    startWatching(file);
    watcher.close();
    watcher.close(); // idempotent

    writeConfig(config(50, 50));

    await().during(QUIET).atMost(WAIT).until(recorder.changes::isEmpty);
    assertThatThrownBy(watcher::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void rejectsASecondStart() throws Exception {
    startWatching(writeConfig(config(90, 10)));

    assertThatThrownBy(watcher::start).isInstanceOf(IllegalStateException.class).hasMessage("already started");
  }

  /** Records every callback and the thread it came on. */
  private static final class Recorder implements ConfigWatcher.Listener {
    final List<CanaryConfig> changes = new CopyOnWriteArrayList<>();
    final List<CanaryConfig> unchanged = new CopyOnWriteArrayList<>();
    final List<ConfigException> rejections = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();
    volatile boolean throwOnFirstChange;

    @Override
    public void onChange(CanaryConfig next) {
      threads.add(Thread.currentThread().getName());
      if (throwOnFirstChange) {
        throwOnFirstChange = false; // only the first: not applied, so not recorded as a change
        throw new IllegalStateException("listener failure for the test");
      }
      changes.add(next);
    }

    @Override
    public void onUnchanged(CanaryConfig same) {
      threads.add(Thread.currentThread().getName());
      unchanged.add(same);
    }

    @Override
    public void onRejected(ConfigException error) {
      threads.add(Thread.currentThread().getName());
      rejections.add(error);
    }

    List<Integer> lastWeights() {
      if (changes.isEmpty()) {
        return List.of();
      }
      return changes.get(changes.size() - 1).backends().stream().map(BackendSpec::weight).toList();
    }
  }
}
