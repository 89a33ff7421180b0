package dev.siskin.client;

import java.util.concurrent.TimeUnit;

/** Stopping the servers the tests start, by their PID: SIGTERM so that they drain, SIGKILL if they hang. */
final class ChildProcesses {
  private ChildProcesses() {}

  static void stop(Process process) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
