package dev.siskin.router.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fat jar of this repository (model server or router) in a child JVM started from the repository root, its
 * stdout and stderr going to one file under {@link RepoPaths#logDir()} (kept after the run for diagnosis).
 * Signals go to its PID only: SIGTERM ({@link #sigterm()}), SIGKILL ({@link #sigkill()}), SIGSTOP/SIGCONT
 * ({@link #sigstop()}/{@link #sigcont()}, through {@code kill -STOP/-CONT <pid>}). {@link #close()} continues a
 * stopped child, asks it to stop, waits, then kills it.
 *
 * <p>Not thread-safe: one test thread drives it.
 */
public final class JarProcess implements AutoCloseable {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("HHmmss");

  private final String name;
  private final Process process;
  private final Path log;
  /** Set by SIGSTOP: a stopped child would hold a SIGTERM pending forever, so close() continues it first. */
  private boolean stopped;

  private JarProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code java [jvmOptions] -jar jar args} in the repository root. The child's environment is ours
   * minus the variables the jars read (so nothing from a developer's shell leaks in), plus {@code env}.
   */
  public static JarProcess start(String name, Path jar, List<String> jvmOptions, List<String> args,
      Map<String, String> env) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(args);
    Path log = Files.createTempFile(RepoPaths.logDir(), name + "-" + LocalTime.now().format(STAMP) + "-", ".log");
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(RepoPaths.repoRoot().toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("MODEL_") || k.startsWith("FAULT_")
        || k.startsWith("DRAIN_") || k.equals("PORT") || k.equals("METRICS_PORT") || k.equals("HOST") || k.equals("CANARY_CONFIG")
        || k.startsWith("SISKIN_"));
    builder.environment().putAll(env);
    return new JarProcess(name, builder.start(), log);
  }

  /** Everything the child has written so far. */
  public String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Polls the output for a line matching {@code pattern}; fails fast when the child exits first. Only lines
   * the child has ended are matched, so a line caught half-written (say, half a port number) never is.
   */
  public Matcher awaitLine(Pattern pattern, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String output = output();
      String ended = output.substring(0, output.lastIndexOf('\n') + 1);
      Optional<Matcher> found = ended.lines().map(pattern::matcher).filter(Matcher::find).findFirst();
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
      Thread.sleep(20);
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** SIGTERM to the child's PID; returns at once. */
  public void sigterm() {
    process.destroy();
  }

  /** SIGKILL (kill -9) to the child's PID, and waits (up to 30 s) until it is gone. */
  public void sigkill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGSTOP: the child hangs with its sockets open. */
  public void sigstop() throws IOException, InterruptedException {
    signal("-STOP");
    stopped = true;
  }

  /** SIGCONT. */
  public void sigcont() throws IOException, InterruptedException {
    signal("-CONT");
    stopped = false;
  }

  private void signal(String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill " + signal + " " + process.pid() + " failed");
    }
  }

  /** Waits for the exit and returns the status; fails when the child is still running after {@code timeout}. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(this + " still running after " + timeout + ":\n" + output());
    }
    return process.exitValue();
  }

  /** SIGCONT when stopped, SIGTERM, up to 20 s to finish, then SIGKILL. Idempotent. */
  @Override
  public void close() throws InterruptedException {
    if (!process.isAlive()) {
      return;
    }
    if (stopped) {
      try {
        sigcont();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      sigkill();
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ", log " + log + ")";
  }
}
