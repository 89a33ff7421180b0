package dev.siskin.router.e2e;

import java.util.ArrayList;
import java.util.List;

/** What a test started (processes, clients, loads), closed in reverse order when the test ends. */
final class Started implements AutoCloseable {
  private final List<AutoCloseable> started = new ArrayList<>();

  <T extends AutoCloseable> T keep(T closeable) {
    started.add(closeable);
    return closeable;
  }

  @Override
  public void close() throws Exception {
    for (int i = started.size() - 1; i >= 0; i--) {
      started.get(i).close();
    }
    started.clear();
  }
}
