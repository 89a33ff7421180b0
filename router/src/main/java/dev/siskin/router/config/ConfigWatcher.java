package dev.siskin.router.config;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches canary.conf and reports each new valid version, or each new invalid one, to a {@link Listener}.
 *
 * <h2>Detecting a change</h2>
 * Two triggers feed one check: a {@link WatchService} on the directory of the path as given (it sees
 * in-place writes, a temp file renamed into place, {@code sed -i}, and the {@code ..data} symlink swap of a
 * Kubernetes ConfigMap mount), and a poll every {@code pollInterval} (default 250 ms) as the backstop for
 * what the WatchService misses: symlinks into other directories, network and overlay filesystems, events
 * dropped on overflow. A check reads the file through its symlinks and compares the SHA-256 of its bytes with
 * the last version handled; that is cheap for a file of a few hundred bytes, and unlike size and mtime it
 * cannot miss a same-size edit within one mtime tick. The content is what matters: a symlink swap to
 * identical bytes is no change.
 *
 * <h2>Never applying a half-written file</h2>
 * A changed file is re-read every {@code settleTime} (default 50 ms) until two reads in a row are identical;
 * only then is it parsed, and the file is read once more after parsing, so the parsed bytes are the ones
 * checked. A stable valid version is applied at once (about {@code pollInterval + 2 * settleTime} after the
 * write in the worst case, well inside 1 s). A stable <em>invalid</em> version is rejected only after it has
 * stayed unchanged for {@code 10 * settleTime} (500 ms by default): a writer that pauses mid-file must not
 * produce an error if it finishes within that window. A writer that pauses longer than the settle time after
 * writing a prefix that happens to be a valid config cannot be told from a finished one; write a temp file
 * and rename it (as {@code scripts/stage.sh} does) to be safe.
 *
 * <h2>Threading</h2>
 * One daemon thread of its own runs the checks and calls the listener, so listener calls never overlap and
 * come in file order. The thread catches everything a check or a listener throws, logs it and goes on.
 * {@link #start()} and {@link #close()} may be called from any thread.
 */
public final class ConfigWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

  static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(250);
  static final Duration DEFAULT_SETTLE_TIME = Duration.ofMillis(50);
  /** An invalid version is rejected after staying unchanged for this many settle times. */
  private static final int REJECT_AFTER_SETTLES = 10;
  /** A check gives up after this many re-reads of a file that never stops changing; the next poll retries. */
  private static final int MAX_REREADS = 200;

  /** What the watcher reports to; called only from the watcher's thread, one call at a time. */
  public interface Listener {
    /**
     * A new valid version whose content differs from the last one in force (or the initial one).
     * Should not block for long: the next change waits for it to return. If it throws, the version was not
     * applied: the watcher reports it to {@link #onRejected} and keeps comparing with the config before it.
     */
    void onChange(CanaryConfig next);

    /**
     * A valid version whose config equals the last one reported: a rewrite that changed only comments or
     * layout, or a file put back after a rejected edit. Nothing is to be applied, but it is a successful
     * load attempt, and after a rejection it is the one that clears the error.
     */
    void onUnchanged(CanaryConfig same);

    /**
     * A version of the file that cannot be used; called once per distinct bad content. The watcher has
     * already logged it as one ERROR line; the last good config should keep serving.
     */
    void onRejected(ConfigException error);
  }

  private final Path file;
  private final Listener listener;
  private final long pollMillis;
  private final long settleMillis;
  private final Thread thread;
  /** Guards the lifecycle flags below. */
  private final Object lifecycle = new Object();
  // Lifecycle: written under `lifecycle`; `closed` is also read by the watcher thread without the lock.
  private boolean started;
  private volatile boolean closed;
  private WatchService watchService; // set in start() under `lifecycle`, null when unavailable

  // Confined to the watcher thread after start() (start() writes them before starting the thread).
  /** The config in force: the last one the listener applied (or the one given); null until the first valid version. */
  private CanaryConfig current;
  /** Fingerprint of the last version applied, found unchanged or rejected; null before the first. */
  private String lastHandled;

  /** Watches {@code file} with the default timings; the file's content at {@link #start()} is the baseline. */
  public ConfigWatcher(Path file, Listener listener) {
    this(file, listener, null, DEFAULT_POLL_INTERVAL, DEFAULT_SETTLE_TIME);
  }

  /**
   * Watches {@code file} with the default timings, taking {@code current} (what the caller just parsed and
   * applied) as the baseline, so an edit made between that parse and {@link #start()} is still reported.
   */
  public ConfigWatcher(Path file, Listener listener, CanaryConfig current) {
    this(file, listener, requireNonNull(current, "current"), DEFAULT_POLL_INTERVAL, DEFAULT_SETTLE_TIME);
  }

  /**
   * @param current      the config the router runs now; the file's first valid version is reported only when its
   *                     content differs. Pass it to close the gap between the router's own read at start-up and
   *                     {@link #start()}. When null, the file's content at {@link #start()} is the baseline.
   * @param pollInterval how often the file is read when no event arrives
   * @param settleTime   the gap between the two identical reads that make a version "stable"
   */
  public ConfigWatcher(Path file, Listener listener, CanaryConfig current, Duration pollInterval, Duration settleTime) {
    this.file = requireNonNull(file, "file");
    this.listener = requireNonNull(listener, "listener");
    this.current = current;
    this.pollMillis = positiveMillis(pollInterval, "pollInterval");
    this.settleMillis = positiveMillis(settleTime, "settleTime");
    this.thread = new Thread(this::run, "config-watcher");
    this.thread.setDaemon(true);
  }

  /**
   * Starts watching. When no current config was given, reads the file now and takes its content as the
   * baseline (no callback for it).
   *
   * @throws IllegalStateException when called twice or after {@link #close()}
   */
  public void start() {
    synchronized (lifecycle) {
      if (started || closed) {
        throw new IllegalStateException(closed ? "closed" : "already started");
      }
      started = true;
      watchService = openWatchService();
    }
    if (current == null) {
      takeBaseline();
    }
    thread.start();
  }

  /** Stops watching and waits (up to 2 s) for a listener call in progress to return. Idempotent. */
  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      if (watchService != null) {
        try {
          watchService.close(); // wakes the thread from poll()
        } catch (IOException e) {
          log.debug("Closing the watch service of {} failed", file, e);
        }
      }
    }
    if (thread.isAlive() && thread != Thread.currentThread()) {
      thread.interrupt();
      try {
        thread.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private WatchService openWatchService() {
    Path dir = file.toAbsolutePath().getParent();
    WatchService service;
    try {
      service = FileSystems.getDefault().newWatchService();
      register(service, dir);
    } catch (IOException | UnsupportedOperationException e) {
      log.warn("Cannot watch {} for changes ({}); polling it every {} ms instead", dir, e, pollMillis);
      return null;
    }
    try {
      // A symlinked file that lives elsewhere is edited there: watch that directory too.
      Path realDir = file.toRealPath().getParent();
      if (!realDir.equals(dir.toRealPath())) {
        register(service, realDir);
      }
    } catch (IOException | UnsupportedOperationException e) {
      log.debug("Not watching the real directory of {} ({}); the poll covers it", file, e);
    }
    return service;
  }

  private static void register(WatchService service, Path dir) throws IOException {
    dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
        StandardWatchEventKinds.ENTRY_DELETE);
  }

  private void takeBaseline() {
    String before = fingerprint();
    try {
      CanaryConfig config = CanaryConfigParser.parse(file);
      if (before.equals(fingerprint())) {
        current = config;
        lastHandled = before;
      }
    } catch (ConfigException e) {
      // Left unhandled on purpose: the watcher thread reports it once the version is stable.
      log.debug("Baseline of {} is not valid", file, e);
    }
  }

  private void run() {
    log.debug("Watching {} (poll every {} ms, settle {} ms)", file, pollMillis, settleMillis);
    while (!closed) {
      try {
        awaitEventOrPoll();
        if (!closed) {
          check();
        }
      } catch (InterruptedException | ClosedWatchServiceException e) {
        break; // close() was called
      } catch (RuntimeException e) {
        log.error("Unexpected error while checking {}; still watching", file, e);
      }
    }
    log.debug("Stopped watching {}", file);
  }

  private void awaitEventOrPoll() throws InterruptedException {
    if (watchService == null) {
      Thread.sleep(pollMillis);
      return;
    }
    WatchKey key = watchService.poll(pollMillis, TimeUnit.MILLISECONDS);
    while (key != null) {
      key.pollEvents(); // which entry changed does not matter: the check compares content
      key.reset();
      key = watchService.poll(); // drain a burst of events into one check
    }
  }

  /** Handles at most one new version of the file: applies it, finds it unchanged, or rejects it. */
  private void check() throws InterruptedException {
    String seen = fingerprint();
    if (seen.equals(lastHandled)) {
      return;
    }
    long seenSince = System.nanoTime();
    ParseResult result = null;
    for (int i = 0; i < MAX_REREADS && !closed; i++) {
      Thread.sleep(settleMillis);
      String now = fingerprint();
      if (!now.equals(seen)) { // still being written
        seen = now;
        seenSince = System.nanoTime();
        result = null;
        if (seen.equals(lastHandled)) {
          return;
        }
        continue;
      }
      if (result == null) {
        result = parse();
        String after = fingerprint();
        if (!after.equals(seen)) { // changed while parsing: what was parsed may be neither version
          seen = after;
          seenSince = System.nanoTime();
          result = null;
          continue;
        }
      }
      if (result.config() != null) {
        // Once per version of the file, accepted or not changed: obsolete keys are reported, never rejected.
        result.notices().forEach(notice -> log.warn("{}", notice));
        apply(seen, result.config());
        return;
      }
      if (System.nanoTime() - seenSince >= TimeUnit.MILLISECONDS.toNanos(REJECT_AFTER_SETTLES * settleMillis)) {
        reject(seen, result.error());
        return;
      }
      log.debug("{} is not valid yet; waiting in case it is still being written: {}", file, result.error().getMessage());
    }
    log.debug("{} kept changing; checking again at the next poll", file);
  }

  private void apply(String fingerprint, CanaryConfig next) {
    lastHandled = fingerprint;
    if (next.sameContent(current)) {
      log.debug("{} was rewritten without a change to the config", file);
      try {
        listener.onUnchanged(next);
      } catch (RuntimeException e) {
        log.error("Handling the unchanged config from {} failed", file, e);
      }
      return;
    }
    log.debug("{} changed; reporting the new config", file);
    try {
      listener.onChange(next);
    } catch (RuntimeException e) {
      // Not in force: the next version is compared with the config that still is, and this one is reported
      // as rejected like a file that does not validate (a fixed file then applies as any new version does).
      reject(fingerprint, new ConfigException(file + ": valid, but applying it failed: " + e
          + " (the last good config keeps serving; please report this as a bug)", e));
      return;
    }
    current = next;
  }

  private void reject(String fingerprint, ConfigException error) {
    lastHandled = fingerprint;
    // The cause is set only when applying failed (a bug): then its stack trace is wanted in the log.
    log.error("Config rejected, the last good config keeps serving: {}", error.getMessage(), error.getCause());
    try {
      listener.onRejected(error);
    } catch (RuntimeException e) {
      log.error("Handling the rejected config from {} failed", file, e);
    }
  }

  private ParseResult parse() {
    try {
      CanaryConfigParser.Parsed parsed = CanaryConfigParser.read(file);
      return new ParseResult(parsed.config(), parsed.notices(), null);
    } catch (ConfigException e) {
      return new ParseResult(null, java.util.List.of(), e);
    }
  }

  /**
   * Identifies one version of the file: the SHA-256 of its bytes, or its absence, or why it is unreadable.
   * Too large a file is identified by size and mtime without reading it (the parser refuses it anyway).
   */
  private String fingerprint() {
    try {
      long size = Files.size(file);
      if (size > CanaryConfigParser.MAX_FILE_BYTES) {
        return "too-large:" + size + ":" + Files.getLastModifiedTime(file);
      }
      return "sha256:" + HexFormat.of().formatHex(sha256().digest(Files.readAllBytes(file)));
    } catch (NoSuchFileException e) {
      return "missing";
    } catch (IOException e) {
      return "unreadable:" + e;
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private static long positiveMillis(Duration d, String name) {
    requireNonNull(d, name);
    if (d.toMillis() <= 0) {
      throw new IllegalArgumentException(name + ": " + d + " (expected: at least 1 ms)");
    }
    return d.toMillis();
  }

  /** Exactly one of the two is set. */
  private record ParseResult(CanaryConfig config, java.util.List<String> notices, ConfigException error) {}
}
