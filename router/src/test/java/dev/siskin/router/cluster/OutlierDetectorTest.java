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
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The ejection state machine on a fake clock and health thread: no real time, every step visible. */
class OutlierDetectorTest {
  @TempDir
  Path dir;

  private final FakeScheduler health = new FakeScheduler(Instant.parse("2026-01-01T00:00:00Z"));
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Backend> backends = new ArrayList<>();
  private final AtomicReference<CanaryConfig> config = new AtomicReference<>();
  private final AtomicInteger changes = new AtomicInteger();
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(OutlierDetector.class);
  private OutlierDetector detector;

  @BeforeEach
  void setUp() {
    logged.start();
    logger.addAppender(logged);
    ClusterMembers members = new ClusterMembers() {
      @Override
      public CanaryConfig config() {
        return config.get();
      }

      @Override
      public List<Backend> backends() {
        return backends;
      }
    };
    detector = new OutlierDetector(health, () -> members, changes::incrementAndGet, health.clock());
  }

  @AfterEach
  void tearDown() {
    logger.detachAppender(logged);
    channels.forEach(ManagedChannel::shutdownNow);
  }

  private void configure(String outlier, String... names) throws Exception {
    StringBuilder text = new StringBuilder("router.outlier-detection { " + outlier + " }\nbackends {\n");
    for (String name : names) {
      text.append("  ").append(name).append(" { target = \"127.0.0.1:1\", weight = 1 }\n");
    }
    config.set(CanaryConfigParser.parse(Files.writeString(dir.resolve("canary.conf"), text.append("}\n"))));
    while (backends.size() < names.length) {
      ManagedChannel channel = InProcessChannelBuilder.forName("unused-" + names[backends.size()]).build();
      channels.add(channel);
      backends.add(new Backend(names[backends.size()], "127.0.0.1:1", channel, new ResolvedAddressBook()));
    }
  }

  private void fail(Backend backend, int times) {
    for (int i = 0; i < times; i++) {
      detector.record(backend, Status.Code.UNAVAILABLE);
      health.runDue();
    }
  }

  private HostHealth.State state(int backend) {
    return backends.get(backend).health().status().state();
  }

  @Test
  void ejectsAtTheThresholdAndComesBackAfterTheEjectionTime() throws Exception {
    configure("consecutive-failures = 5, base-ejection-time = 30s", "v1", "v2");
    fail(backends.get(0), 4);
    assertThat(state(0)).isEqualTo(HostHealth.State.UNKNOWN);
    fail(backends.get(0), 1);
    assertThat(state(0)).isEqualTo(HostHealth.State.EJECTED);
    assertThat(changes.get()).isEqualTo(1);

    health.advance(Duration.ofSeconds(29));
    assertThat(state(0)).isEqualTo(HostHealth.State.EJECTED);
    health.advance(Duration.ofSeconds(1));
    assertThat(state(0)).isEqualTo(HostHealth.State.UNKNOWN);
    assertThat(changes.get()).isEqualTo(2);
  }

  @Test
  void aSuccessResetsTheRunButCancelledAndDeadlineDoNot() throws Exception {
    configure("consecutive-failures = 3", "v1", "v2");
    fail(backends.get(0), 2);
    detector.record(backends.get(0), Status.Code.CANCELLED);
    detector.record(backends.get(0), Status.Code.DEADLINE_EXCEEDED);
    fail(backends.get(0), 1);
    assertThat(state(0)).as("2 + 1 failures, the client-side codes in between count for nothing")
        .isEqualTo(HostHealth.State.EJECTED);

    fail(backends.get(1), 2);
    detector.record(backends.get(1), Status.Code.OK);
    fail(backends.get(1), 2);
    assertThat(state(1)).isEqualTo(HostHealth.State.UNKNOWN);
  }

  @Test
  void aReloadThatLowersTheThresholdBelowARunInProgressEjectsAtTheNextFailure() throws Exception {
    // Issue 12: 7 failures at threshold 10, reload to 3: the old '==' check never fired again.
    configure("consecutive-failures = 10", "v1", "v2");
    fail(backends.get(0), 7);
    assertThat(state(0)).isEqualTo(HostHealth.State.UNKNOWN);

    configure("consecutive-failures = 3", "v1", "v2");
    fail(backends.get(0), 1);

    assertThat(state(0)).isEqualTo(HostHealth.State.EJECTED);
  }

  @Test
  void anEjectionBlockedByMaxEjectionPercentIsLoggedOnceAndHappensWhenAllowed() throws Exception {
    // Issue 12: 197 WARN lines per 1,000 failed calls while the cap blocked the ejection.
    configure("consecutive-failures = 5, max-ejection-percent = 50, base-ejection-time = 30s", "v1", "v2");
    fail(backends.get(0), 5);
    assertThat(state(0)).isEqualTo(HostHealth.State.EJECTED);

    fail(backends.get(1), 1000);
    assertThat(state(1)).as("one of two is ejected already: 50 %% allows no second").isEqualTo(HostHealth.State.UNKNOWN);
    assertThat(warnings()).filteredOn(l -> l.contains("but not ejected")).hasSize(1);
    assertThat(health.pending()).as("one queued attempt at most, not one per failure").isLessThanOrEqualTo(2);

    health.advance(Duration.ofSeconds(30)); // v1's ejection ends
    fail(backends.get(1), 1);
    assertThat(state(1)).as("the run went on counting: ejected at once when allowed").isEqualTo(HostHealth.State.EJECTED);
    assertThat(warnings()).filteredOn(l -> l.contains("but not ejected")).hasSize(1);
  }

  @Test
  void aBlockedBackendThatAnswersAgainIsLoggedOnceAsSuch() throws Exception {
    configure("consecutive-failures = 2, max-ejection-percent = 50", "v1", "v2");
    fail(backends.get(0), 2);
    fail(backends.get(1), 10);
    detector.record(backends.get(1), Status.Code.OK);
    detector.record(backends.get(1), Status.Code.OK);
    fail(backends.get(1), 10);

    assertThat(warnings()).filteredOn(l -> l.contains("but not ejected")).hasSize(2);
    assertThat(lines(Level.INFO)).filteredOn(l -> l.contains("answers again")).hasSize(1);
  }

  private List<String> warnings() {
    return lines(Level.WARN);
  }

  private List<String> lines(Level level) {
    return logged.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
  }
}
