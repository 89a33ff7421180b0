package dev.siskin.router.accesslog;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logback's {@link AsyncAppender} (with {@code neverBlock}) that counts the lines it drops because its queue
 * is full, and says so on the router's own log at most once a minute. Plain AsyncAppender drops silently, so
 * an operator could not tell a complete access log from one with holes.
 *
 * <p>A line is counted when the queue is full as it arrives; this appender then drops it itself. Between that
 * check and the hand-over another thread may fill the last slot, and Logback then drops the line uncounted, so
 * under contention the count is a lower bound; with one logging thread it is exact.
 *
 * <p>The count is process-wide (Logback creates appenders from XML, not the router), read by the router's
 * metrics as {@code siskin_router_access_log_dropped_lines_total}. Thread-safe.
 */
public final class CountingAsyncAppender extends AsyncAppender {
  private static final Logger log = LoggerFactory.getLogger(CountingAsyncAppender.class);
  private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final LongAdder DROPPED = new LongAdder();
  private static final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);
  private static final AtomicLong droppedAtLastWarning = new AtomicLong();

  /** Lines dropped so far by every instance in this process. */
  public static long droppedTotal() {
    return DROPPED.sum();
  }

  @Override
  protected void append(ILoggingEvent event) {
    if (isStarted() && isNeverBlock() && getRemainingCapacity() == 0) {
      DROPPED.increment();
      warnNowAndThen();
      return;
    }
    super.append(event);
  }

  private void warnNowAndThen() {
    long now = System.nanoTime();
    long last = lastWarning.get();
    if (now - last < WARN_EVERY_NANOS || !lastWarning.compareAndSet(last, now)) {
      return;
    }
    long total = droppedTotal();
    long since = total - droppedAtLastWarning.getAndSet(total);
    log.warn("access log '{}': {} line(s) dropped since the last warning ({} in all): its output cannot keep up; "
        + "write it to a faster destination or raise queueSize in siskin-access-log.xml", getName(), since, total);
  }
}
