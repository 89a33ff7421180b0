package dev.siskin.router.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3 point 6 with the real jar: SIGTERM while 8 threads keep slow calls (300 ms at the model server)
 * in flight. Every call that started before the signal completes OK, later calls either complete OK (the
 * router still took them) or fail UNAVAILABLE (it no longer did), and the router exits 0.
 */
class RouterShutdownIT {
  @TempDir
  Path dir;

  @Test
  void sigtermUnderLoadFinishesEveryAcceptedCallAndExitsZero() throws Exception {
    try (E2eCluster cluster = E2eCluster.start("router-sigterm", dir.resolve("canary.conf"), 100, 0,
        Map.of("FAULT_LATENCY_MS", "300"), (config, conf) -> Files.writeString(config, conf.render()))) {
      LoadThreads load = LoadThreads.start(cluster.client, 8, true, true, 120);
      long sigterm;
      int exit;
      try {
        load.awaitCalls(24, 60_000); // three rounds of 8 slow calls: the router is warm and busy
        Thread.sleep(150); // the next round is mid-way through its 300 ms
        sigterm = System.nanoTime();
        cluster.router.process().sigterm();
        exit = cluster.router.process().awaitExit(Duration.ofSeconds(30));
      } finally {
        load.stopAndJoin();
      }
      double exitMillis = (System.nanoTime() - sigterm) / 1e6;
      List<PredictClient.Outcome> calls = load.outcomes();
      List<PredictClient.Outcome> before = calls.stream().filter(c -> c.startNanos() < sigterm).toList();
      List<PredictClient.Outcome> after = calls.stream().filter(c -> c.startNanos() >= sigterm).toList();
      long inFlightAtSigterm = before.stream().filter(c -> c.endNanos() > sigterm).count();
      long afterOk = after.stream().filter(PredictClient.Outcome::ok).count();
      long afterUnavailable = after.stream().filter(c -> c.status().getCode() == Status.Code.UNAVAILABLE).count();
      System.out.printf("e2e SIGTERM: %d calls started before it (%d in flight at the signal), all OK; "
          + "%d started after: %d OK, %d UNAVAILABLE; router exited %d after %.0f ms%n", before.size(),
          inFlightAtSigterm, after.size(), afterOk, afterUnavailable, exit, exitMillis);

      assertThat(before).allSatisfy(c -> assertThat(c.status().isOk()).as(c.toString()).isTrue());
      assertThat(inFlightAtSigterm).as("calls in flight when SIGTERM was sent").isPositive();
      assertThat(afterOk + afterUnavailable).as("calls after SIGTERM: OK or UNAVAILABLE only: %s", after)
          .isEqualTo(after.size());
      assertThat(exit).as(cluster.router.process().output()).isZero();
      assertThat(cluster.router.process().output()).contains("stopped: every call finished");
    }
  }
}
