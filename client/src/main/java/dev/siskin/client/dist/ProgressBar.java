package dev.siskin.client.dist;

import java.io.PrintWriter;
import java.util.function.LongConsumer;

/**
 * A one-line progress bar redrawn in place with a carriage return; only for a terminal, where it is useful
 * and where the {@code \r} does not litter a log. Not thread-safe: fed from the thread that runs the calls.
 */
public final class ProgressBar implements LongConsumer {
  private static final int WIDTH = 40;
  private final PrintWriter out;
  private final long total;
  private long lastDrawnNanos;
  private long lastDrawnDone = -1;

  public ProgressBar(PrintWriter out, long total) {
    this.out = out;
    this.total = total;
  }

  @Override
  public void accept(long done) {
    long now = System.nanoTime();
    boolean finished = done >= total;
    // Redraw at most ~10 times a second: a terminal redraw per call would cost more than the call.
    if (done == lastDrawnDone || (!finished && now - lastDrawnNanos < 100_000_000L)) {
      return;
    }
    lastDrawnNanos = now;
    lastDrawnDone = done;
    int filled = (int) (WIDTH * done / total);
    out.print("\r[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + done + "/" + total);
    if (finished) {
      erase();
    }
    out.flush();
  }

  /** Takes the bar off the screen when the run ends before its total (e.g. stopped by a signal). */
  public void clear() {
    if (lastDrawnDone >= 0 && lastDrawnDone < total) {
      erase();
      out.flush();
    }
  }

  private void erase() {
    out.print("\r" + " ".repeat(WIDTH + 30) + "\r");
  }
}
