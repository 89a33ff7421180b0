package dev.siskin.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.CanaryConfigParser;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * What the health checker logs about a backend that is not up yet, as at a normal start where the router
 * comes up before (or with) its backends: INFO while it is merely not serving yet, one WARN once it has failed
 * for the whole warning time, and WARN as before for a backend that was up and went down.
 */
class HealthCheckerLoggingTest {
  private static final Duration NOT_UP_WARNING = Duration.ofSeconds(30);
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  private final String serverName = InProcessServerBuilder.generateName();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(HealthChecker.class);
  private ScheduledExecutorService healthThread;
  private ManagedChannel channel;
  private Backend backend;
  private HealthChecker checker;
  private Server server;

  @BeforeEach
  void setUp() throws Exception {
    logged.start();
    logger.addAppender(logged);
    Path file = Files.writeString(dir.resolve("canary.conf"), """
        router.health-check { interval = 50ms, timeout = 50ms, healthy-threshold = 1, unhealthy-threshold = 1 }
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
    healthThread = Executors.newSingleThreadScheduledExecutor();
    checker = new HealthChecker(healthThread, () -> members, () -> {}, clock, NOT_UP_WARNING);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (checker != null) {
      checker.stop();
      healthThread.shutdownNow();
      channel.shutdownNow();
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    logger.detachAppender(logged);
  }

  @Test
  void aBackendNotUpYetIsInfoUntilTheWarningTimeThenOneWarn() throws Exception {
    checker.start();
    await().atMost(WAIT).until(() -> backend.health().status().state() == HostHealth.State.UNHEALTHY);
    await().atMost(WAIT).until(() -> lines(Level.INFO).stream().anyMatch(l -> l.contains("is not serving yet")));
    awaitMoreRounds();
    assertThat(lines(Level.WARN)).as("a backend that was never up is not called unhealthy at WARN").isEmpty();

    clock.advance(NOT_UP_WARNING.minusSeconds(1));
    awaitMoreRounds();
    assertThat(lines(Level.WARN)).isEmpty();

    clock.advance(Duration.ofSeconds(1));
    await().atMost(WAIT).until(() -> lines(Level.WARN).size() == 1);
    awaitMoreRounds();
    assertThat(lines(Level.WARN)).singleElement().asString()
        .contains("backend v1", "has not passed a health check in the 30 s", "check that it runs");
  }

  @Test
  void aBackendThatComesUpAndGoesDownIsWarned() throws Exception {
    checker.start();
    await().atMost(WAIT).until(() -> backend.health().status().state() == HostHealth.State.UNHEALTHY);

    HealthStatusManager health = new HealthStatusManager();
    server = InProcessServerBuilder.forName(serverName).directExecutor().addService(health.getHealthService())
        .build().start();
    await().atMost(WAIT).until(() -> backend.health().status().state() == HostHealth.State.HEALTHY);
    assertThat(lines(Level.WARN)).isEmpty();

    health.enterTerminalState(); // NOT_SERVING from now on
    await().atMost(WAIT).until(() -> backend.health().status().state() == HostHealth.State.UNHEALTHY);
    await().atMost(WAIT).until(() -> lines(Level.WARN).size() == 1);
    assertThat(lines(Level.WARN).get(0)).contains("backend v1", "is unhealthy", "NOT_SERVING");
    clock.advance(NOT_UP_WARNING.multipliedBy(2));
    awaitMoreRounds();
    assertThat(lines(Level.WARN)).as("the not-up-yet warning is only for a backend never seen healthy").hasSize(1);
  }

  /** Lets several check rounds (50 ms apart) run. */
  private void awaitMoreRounds() throws InterruptedException {
    Thread.sleep(400);
  }

  private List<String> lines(Level level) {
    return logged.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
  }

  /** A clock that tests move by hand; read from the health thread. */
  private static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant start) {
      this.now = start;
    }

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
