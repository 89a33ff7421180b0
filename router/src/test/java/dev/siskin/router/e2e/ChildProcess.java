package dev.siskin.router.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real jar in a child JVM, its stdout and stderr going to one file under target/e2e-logs (kept after the
 * run for diagnosis). Stopped by its own PID only: {@link #sigterm()} asks, {@link #close()} asks, waits,
 * then kills. Not thread-safe; one test thread drives it.
 */
final class ChildProcess implements AutoCloseable {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("HHmmss");

  private final String name;
  private final Process process;
  private final Path log;

  private ChildProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code java [jvmOptions] -jar jar args} in the repository root. The child's environment is ours
   * minus the variables the jars read (so nothing from a developer's shell leaks in), plus {@code env}.
   */
  static ChildProcess startJar(String name, Path jar, List<String> jvmOptions, List<String> args,
      Map<String, String> env) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new java.util.ArrayList<>();
    command.add(java);
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(args);
    Path log = E2ePaths.logDir().resolve(name + "-" + LocalTime.now().format(STAMP) + "-"
        + System.nanoTime() % 100_000 + ".log");
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(E2ePaths.repoRoot().toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("MODEL_") || k.startsWith("FAULT_")
        || k.startsWith("DRAIN_") || k.equals("PORT") || k.equals("METRICS_PORT") || k.equals("CANARY_CONFIG")
        || k.startsWith("SISKIN_"));
    builder.environment().putAll(env);
    return new ChildProcess(name, builder.start(), log);
  }

  /** Everything the child has written so far. */
  String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Polls the output for a line matching {@code pattern}; fails fast when the child exits first. */
  Matcher awaitLine(Pattern pattern, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<Matcher> found = output().lines().map(pattern::matcher).filter(Matcher::find).findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      if (!process.isAlive()) {
        throw new AssertionError(this + " exited with " + process.exitValue() + " before logging /" + pattern
            + "/:\n" + output());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(this + " did not log /" + pattern + "/ within " + timeout + ":\n" + output());
      }
      Thread.sleep(50);
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /** SIGTERM to the child's PID. */
  void sigterm() {
    process.destroy();
  }

  /** Waits for the exit and returns the status; fails when the child is still running after {@code timeout}. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(this + " still running after " + timeout + ":\n" + output());
    }
    return process.exitValue();
  }

  /** SIGTERM, up to 20 s to finish, then SIGKILL. Idempotent. */
  @Override
  public void close() throws InterruptedException {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ", log " + log + ")";
  }
}
