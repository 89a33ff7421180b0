package dev.siskin.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.CanaryConfigParser;
import dev.siskin.router.testing.FakeScheduler;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The active health-check state machine on a fake clock and health thread, against an in-process backend whose
 * health the test sets: thresholds, the first check deciding at once, what is logged and when. Every round
 * runs when the test advances the clock by one interval; nothing waits for real time.
 */
class HealthCheckerTest {
  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration NOT_UP_WARNING = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private final String serverName = InProcessServerBuilder.generateName();
  private final FakeScheduler health = new FakeScheduler(Instant.parse("2026-01-01T00:00:00Z"));
  private final AtomicInteger changes = new AtomicInteger();
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(HealthChecker.class);
  private final HealthStatusManager backendHealth = new HealthStatusManager();
  private ManagedChannel channel;
  private Backend backend;
  private HealthChecker checker;
  private Server server;

  @BeforeEach
  void setUp() throws Exception {
    logged.start();
    logger.addAppender(logged);
    Path file = Files.writeString(dir.resolve("canary.conf"), """
        router.health-check { interval = 1s, timeout = 500ms, healthy-threshold = 2, unhealthy-threshold = 2 }
        backends { v1 { target = "127.0.0.1:1", weight = 1 } }
        """);
    CanaryConfig config = CanaryConfigParser.parse(file);
    channel = InProcessChannelBuilder.forName(serverName).directExecutor().build();
    backend = new Backend("v1", "127.0.0.1:1", channel, new ResolvedAddressBook());
    ClusterMembers members = new ClusterMembers() {
      @Override
      public CanaryConfig config() {
        return config;
      }

      @Override
      public List<Backend> backends() {
        return List.of(backend);
      }
    };
    checker = new HealthChecker(health, () -> members, changes::incrementAndGet, health.clock(), NOT_UP_WARNING);
  }

  @AfterEach
  void tearDown() throws Exception {
    checker.stop();
    channel.shutdownNow();
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    logger.detachAppender(logged);
  }

  private void startBackend(boolean withHealthService) throws Exception {
    InProcessServerBuilder builder = InProcessServerBuilder.forName(serverName).directExecutor();
    if (withHealthService) {
      builder.addService(backendHealth.getHealthService());
    } else {
      builder.addService(new SimpleServiceGrpc.SimpleServiceImplBase() {});
    }
    server = builder.build().start();
  }

  /** Starts the checker: its first round runs now. */
  private void start() {
    checker.start();
    health.runDue();
  }

  private void rounds(int n) {
    for (int i = 0; i < n; i++) {
      health.advance(INTERVAL);
    }
  }

  private HostHealth.State state() {
    return backend.health().status().state();
  }

  @Test
  void theFirstCheckDecidesAtOnceThenTheThresholdsApply() throws Exception {
    startBackend(true);
    start();
    assertThat(state()).as("one SERVING answer is enough at first").isEqualTo(HostHealth.State.HEALTHY);

    backendHealth.setStatus("", ServingStatus.NOT_SERVING);
    rounds(1);
    assertThat(state()).as("1 of unhealthy-threshold 2").isEqualTo(HostHealth.State.HEALTHY);
    rounds(1);
    assertThat(state()).isEqualTo(HostHealth.State.UNHEALTHY);
    assertThat(backend.health().status().reason()).contains("NOT_SERVING");

    backendHealth.setStatus("", ServingStatus.SERVING);
    rounds(1);
    assertThat(state()).as("1 of healthy-threshold 2").isEqualTo(HostHealth.State.UNHEALTHY);
    rounds(1);
    assertThat(state()).isEqualTo(HostHealth.State.HEALTHY);
    assertThat(changes.get()).as("healthy, unhealthy, healthy").isEqualTo(3);
  }

  @Test
  void aBackendWithoutAHealthServiceCountsAsHealthyWhileItAnswers() throws Exception {
    startBackend(false);
    start();
    assertThat(state()).isEqualTo(HostHealth.State.HEALTHY);
    rounds(3);
    assertThat(lines(Level.INFO)).filteredOn(l -> l.contains("has no grpc.health.v1 service")).hasSize(1);
  }

  @Test
  void aBackendNotUpYetIsInfoUntilTheWarningTimeThenOneWarn() throws Exception {
    start();
    assertThat(state()).isEqualTo(HostHealth.State.UNHEALTHY);
    assertThat(lines(Level.INFO)).anyMatch(l -> l.contains("is not serving yet"));
    rounds(29);
    assertThat(lines(Level.WARN)).as("a backend that was never up is not called unhealthy at WARN").isEmpty();

    rounds(1);
    rounds(5);
    assertThat(lines(Level.WARN)).singleElement().asString()
        .contains("backend v1", "has not passed a health check in the 30 s", "check that it runs");

    startBackend(true);
    // The channel reconnects on its own (real) executor: a round or two may still see it down.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(50)).until(() -> {
          rounds(1);
          return state() == HostHealth.State.HEALTHY;
        });
    assertThat(lines(Level.INFO)).anyMatch(l -> l.contains("backend v1") && l.endsWith("is healthy"));
  }

  @Test
  void aBackendThatWasUpAndGoesDownIsWarnedAndNotTreatedAsNotUpYet() throws Exception {
    startBackend(true);
    start();
    assertThat(state()).isEqualTo(HostHealth.State.HEALTHY);

    backendHealth.enterTerminalState(); // NOT_SERVING from now on
    rounds(2);
    assertThat(state()).isEqualTo(HostHealth.State.UNHEALTHY);
    assertThat(lines(Level.WARN)).singleElement().asString().contains("backend v1", "is unhealthy", "NOT_SERVING");
    rounds(60);
    assertThat(lines(Level.WARN)).as("the not-up-yet warning is only for a backend never seen healthy").hasSize(1);
  }

  private List<String> lines(Level level) {
    return logged.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
  }
}
