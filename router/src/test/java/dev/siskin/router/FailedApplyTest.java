package dev.siskin.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.siskin.router.cluster.BackendChannels;
import dev.siskin.router.cluster.ChannelFactory;
import dev.siskin.router.cluster.ResolvedAddressBook;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.CanaryConfigParser;
import dev.siskin.router.config.ConfigState;
import dev.siskin.router.config.ConfigWatcher;
import dev.siskin.router.metrics.RouterMetrics;
import dev.siskin.router.testing.CyclingPicker;
import io.grpc.ManagedChannel;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: an exception while a valid file is being applied (here: the channel factory refuses a target, as
 * gRPC did for {@code model_v2:50053}) is a rejected reload -- in /config and the metrics, with nothing left
 * half applied and no channel leaked -- and the next good file applies.
 */
class FailedApplyTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  /** The target the fake factory refuses; valid syntax, so only the apply step can fail on it. */
  private static final String REFUSED = "127.0.0.1:2";

  @TempDir
  Path dir;

  private final List<ManagedChannel> opened = new CopyOnWriteArrayList<>();
  private RouterServer router;
  private ConfigWatcher watcher;

  @AfterEach
  void tearDown() throws Exception {
    if (watcher != null) {
      watcher.close();
    }
    if (router != null) {
      router.shutdown(Duration.ofSeconds(5));
    }
  }

  private static String config(String... backends) {
    StringBuilder text = new StringBuilder("router.health-check.enabled = false\nbackends {\n");
    for (String b : backends) {
      text.append("  ").append(b).append('\n');
    }
    return text.append("}\n").toString();
  }

  @Test
  void aFailedApplyIsRejectedLeavesNothingBehindAndTheNextGoodFileApplies() throws Exception {
    Path file = Files.writeString(dir.resolve("canary.conf"), config("v1 { target = \"127.0.0.1:1\", weight = 1 }"));
    ChannelFactory refusing = (target, addresses) -> {
      if (target.equals(REFUSED)) {
        throw new IllegalArgumentException("Invalid DNS name: " + target + " (the test's factory)");
      }
      ManagedChannel channel = BackendChannels.FACTORY.open(target, new ResolvedAddressBook());
      opened.add(channel);
      return channel;
    };
    CanaryConfig initial = CanaryConfigParser.parse(file);
    router = RouterServer.create(initial, CyclingPicker::create, refusing, Duration.ofSeconds(5));
    RouterMetrics metrics = new RouterMetrics(router::configState);
    watcher = new ConfigWatcher(file, new ReloadReporter(file, router, metrics.config()), initial);
    watcher.start();

    // v3 opens a channel before v2's is refused: the old pool kept v3's open and in no routing table.
    Files.writeString(file, config("v1 { target = \"127.0.0.1:1\", weight = 1 }",
        "v3 { target = \"127.0.0.1:3\", weight = 1 }", "v2 { target = \"" + REFUSED + "\", weight = 1 }"));

    await().atMost(WAIT).until(() -> !router.configState().lastAttempt().ok());
    ConfigState rejected = router.configState();
    assertThat(rejected.lastAttempt().error()).contains("valid, but applying it failed", "Invalid DNS name");
    assertThat(rejected.generation()).isEqualTo(1);
    assertThat(router.routingTable().backends()).extracting(b -> b.name()).containsExactly("v1");
    assertThat(failedReloads(metrics)).isEqualTo(1.0);
    assertThat(opened).hasSize(2); // v1 at start, v3 in the failed update
    await().atMost(WAIT).until(() -> opened.get(1).isShutdown());
    assertThat(opened.get(0).isShutdown()).as("v1, in force, stays open").isFalse();

    // The operator fixes the target: it applies.
    Files.writeString(file, config("v1 { target = \"127.0.0.1:1\", weight = 1 }",
        "v3 { target = \"127.0.0.1:3\", weight = 1 }", "v2 { target = \"127.0.0.1:4\", weight = 1 }"));
    await().atMost(WAIT).until(() -> router.configState().generation() == 2);
    assertThat(router.configState().lastAttempt().ok()).isTrue();
    assertThat(router.routingTable().backends()).extracting(b -> b.name()).containsExactly("v1", "v3", "v2");
  }

  private static double failedReloads(RouterMetrics metrics) {
    for (MetricSnapshot snapshot : metrics.registry().scrape()) {
      if (snapshot instanceof CounterSnapshot counter && counter.getMetadata().getName().equals("siskin_router_config_reloads")) {
        return counter.getDataPoints().stream().filter(d -> "failed".equals(d.getLabels().get("result")))
            .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
      }
    }
    throw new AssertionError("no reload counter");
  }
}
