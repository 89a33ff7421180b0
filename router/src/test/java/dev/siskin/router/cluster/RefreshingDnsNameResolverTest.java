package dev.siskin.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.siskin.router.testing.FakeScheduler;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The periodic re-resolution on a fake clock and lookup thread, with a fake DNS whose answers the test sets:
 * growing, shrinking and failing answers, what the channel is told and when, the rate limit on refresh(), the
 * jitter, and the parsing of targets. Nothing waits for real time.
 */
class RefreshingDnsNameResolverTest {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration INTERVAL = Duration.ofSeconds(5);

  private final FakeScheduler scheduler = new FakeScheduler(START);
  private final SynchronizationContext syncContext = new SynchronizationContext((t, e) -> {
    throw new AssertionError(e);
  });
  private final AtomicReference<Object> answer = new AtomicReference<>();
  private final AtomicInteger lookups = new AtomicInteger();
  private final List<List<String>> reported = new ArrayList<>();
  private final List<Status> errors = new ArrayList<>();
  private final DnsStatus status = new DnsStatus();
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(RefreshingDnsNameResolver.class);
  private double random = 0.5;
  private NameResolver resolver;

  @BeforeEach
  void captureLog() {
    logged.start();
    logger.addAppender(logged);
  }

  @AfterEach
  void stop() {
    logger.detachAppender(logged);
    if (resolver != null) {
      resolver.shutdown();
    }
  }

  private final DnsLookup lookup = host -> {
    lookups.incrementAndGet();
    Object a = answer.get();
    if (a instanceof UnknownHostException e) {
      throw e;
    }
    List<InetAddress> out = new ArrayList<>();
    for (Object ip : (List<?>) a) {
      out.add(InetAddress.getByName((String) ip)); // literals: no lookup
    }
    return out;
  };

  private void answer(String... ips) {
    answer.set(List.of(ips));
  }

  private void fail(String reason) {
    answer.set(new UnknownHostException(reason));
  }

  private NameResolver start(String target, Duration interval) {
    DnsTarget parsed = DnsTarget.parse(URI.create(target), 443);
    resolver = new RefreshingDnsNameResolver(parsed, interval, lookup, scheduler, syncContext, null, status,
        scheduler.clock(), () -> Duration.between(START, scheduler.clock().instant()).toNanos(), () -> random);
    resolver.start(new NameResolver.Listener2() {
      @Override
      public void onResult(NameResolver.ResolutionResult result) {
        onResult2(result);
      }

      @Override
      public Status onResult2(NameResolver.ResolutionResult result) {
        List<String> addresses = new ArrayList<>();
        for (EquivalentAddressGroup group : result.getAddressesOrError().getValue()) {
          InetSocketAddress a = (InetSocketAddress) group.getAddresses().get(0);
          addresses.add(a.getAddress().getHostAddress() + ":" + a.getPort());
        }
        reported.add(addresses);
        return Status.OK;
      }

      @Override
      public void onError(Status error) {
        errors.add(error);
      }
    });
    scheduler.runDue();
    return resolver;
  }

  @Test
  void followsAnAnswerThatGrowsAndShrinksReportingOnlyChanges() {
    answer("10.0.0.2", "10.0.0.1");
    start("dns:///v2.ns.svc:50051", INTERVAL);
    assertThat(reported).containsExactly(List.of("10.0.0.1:50051", "10.0.0.2:50051")); // sorted
    assertThat(lookups).hasValue(1);

    scheduler.advance(INTERVAL);
    assertThat(lookups).hasValue(2);
    assertThat(reported).hasSize(1); // same answer: nothing told

    answer("10.0.0.3", "10.0.0.1", "10.0.0.2");
    scheduler.advance(INTERVAL);
    assertThat(reported).hasSize(2).last().isEqualTo(List.of("10.0.0.1:50051", "10.0.0.2:50051", "10.0.0.3:50051"));

    answer("10.0.0.3");
    scheduler.advance(INTERVAL);
    assertThat(reported).hasSize(3).last().isEqualTo(List.of("10.0.0.3:50051"));
    assertThat(errors).isEmpty();
    assertThat(status.snapshot().lastSuccessAt()).isEqualTo(START.plus(INTERVAL.multipliedBy(3)));
  }

  @Test
  void aFailedLookupKeepsTheLastGoodSetAndIsReportedOncePerStreak() {
    answer("10.0.0.1");
    start("dns:///v2.ns.svc:50051", INTERVAL);
    fail("v2.ns.svc: Name or service not known");
    scheduler.advance(INTERVAL);
    scheduler.advance(INTERVAL);
    assertThat(lookups).hasValue(3);
    assertThat(errors).isEmpty(); // the channel keeps 10.0.0.1
    assertThat(reported).hasSize(1);
    assertThat(status.snapshot().failing()).isTrue();
    assertThat(status.snapshot().lastError()).isEqualTo("UnknownHostException: v2.ns.svc: Name or service not known");
    assertThat(status.snapshot().lastErrorAt()).isEqualTo(START.plus(INTERVAL.multipliedBy(2)));
    assertThat(status.snapshot().lastSuccessAt()).isEqualTo(START);
    assertThat(messages(Level.WARN)).singleElement().asString()
        .contains("DNS lookup of v2.ns.svc failed").contains("keeping the last good addresses [10.0.0.1:50051]");

    answer("10.0.0.1");
    scheduler.advance(INTERVAL);
    assertThat(reported).hasSize(1); // the same set as before the failures: nothing to tell
    assertThat(status.snapshot().failing()).isFalse();
    assertThat(messages(Level.INFO)).singleElement().asString().contains("DNS lookup of v2.ns.svc answers again");
  }

  @Test
  void aFirstLookupThatFailsIsAnErrorNamingTheHost() {
    fail("nope.ns.svc");
    start("dns:///nope.ns.svc:50051", INTERVAL);
    assertThat(errors).singleElement().satisfies(e -> {
      assertThat(e.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(e.getDescription()).isEqualTo("DNS lookup of nope.ns.svc failed: UnknownHostException: nope.ns.svc");
    });
    answer("10.0.0.9");
    scheduler.advance(INTERVAL);
    assertThat(reported).containsExactly(List.of("10.0.0.9:50051"));
  }

  @Test
  void refreshLooksUpSoonButAtMostOnceASecond() {
    answer("10.0.0.1");
    start("dns:///v2.ns.svc:50051", INTERVAL);
    resolver.refresh(); // right after the first lookup: waits out the second
    resolver.refresh();
    scheduler.runDue();
    assertThat(lookups).hasValue(1);
    scheduler.advance(Duration.ofMillis(999));
    assertThat(lookups).hasValue(1);
    scheduler.advance(Duration.ofMillis(1));
    assertThat(lookups).hasValue(2);

    scheduler.advance(Duration.ofSeconds(2)); // 3 s after the last lookup: at once
    resolver.refresh();
    scheduler.runDue();
    assertThat(lookups).hasValue(3);
    // The periodic lookups go on from the last one.
    scheduler.advance(INTERVAL.minusMillis(1));
    assertThat(lookups).hasValue(3);
    scheduler.advance(Duration.ofMillis(1));
    assertThat(lookups).hasValue(4);
  }

  @Test
  void theIntervalIsJitteredByTwentyPercent() {
    answer("10.0.0.1");
    random = 0.0; // the shortest: 4 s
    start("dns:///v2.ns.svc:50051", INTERVAL);
    random = 0.999_999; // the longest, for the lookup after the next: just under 6 s
    scheduler.advance(Duration.ofMillis(3999));
    assertThat(lookups).hasValue(1);
    scheduler.advance(Duration.ofMillis(1));
    assertThat(lookups).hasValue(2);
    scheduler.advance(Duration.ofMillis(5990));
    assertThat(lookups).hasValue(2);
    scheduler.advance(Duration.ofMillis(10));
    assertThat(lookups).hasValue(3);
  }

  @Test
  void zeroIntervalLooksUpOnlyWhenRefreshAsks() {
    answer("10.0.0.1");
    start("dns:///v2.ns.svc:50051", Duration.ZERO);
    scheduler.advance(Duration.ofMinutes(5));
    assertThat(lookups).hasValue(1);
    answer("10.0.0.1", "10.0.0.2");
    resolver.refresh();
    scheduler.runDue();
    assertThat(lookups).hasValue(2);
    assertThat(reported).last().isEqualTo(List.of("10.0.0.1:50051", "10.0.0.2:50051"));
  }

  @Test
  void zeroIntervalStillRetriesANameThatNeverResolved() {
    fail("v2.ns.svc");
    start("dns:///v2.ns.svc:50051", Duration.ZERO);
    answer("10.0.0.1");
    scheduler.advance(Duration.ofSeconds(1));
    assertThat(reported).containsExactly(List.of("10.0.0.1:50051"));
  }

  @Test
  void anIpLiteralIsLookedUpOnce() {
    answer("127.0.0.1");
    start("dns:///127.0.0.1:50052", INTERVAL);
    scheduler.advance(Duration.ofMinutes(1));
    assertThat(lookups).hasValue(1);
    assertThat(scheduler.pending()).isZero();
  }

  @Test
  void shutdownStopsTheTimer() {
    answer("10.0.0.1");
    start("dns:///v2.ns.svc:50051", INTERVAL);
    resolver.shutdown();
    scheduler.advance(Duration.ofMinutes(1));
    assertThat(lookups).hasValue(1);
    assertThat(scheduler.pending()).isZero();
  }

  @Test
  void targetsParseLikeGrpcs() throws Exception {
    assertThat(DnsTarget.parse(URI.create("dns:///v2.ns.svc.cluster.local:50051"), 443))
        .isEqualTo(new DnsTarget("v2.ns.svc.cluster.local", 50051, "v2.ns.svc.cluster.local:50051"));
    assertThat(DnsTarget.parse(URI.create("dns://8.8.8.8/model:7000"), 443))
        .isEqualTo(new DnsTarget("model", 7000, "model:7000"));
    assertThat(DnsTarget.parse(URI.create("dns:///model"), 443)).isEqualTo(new DnsTarget("model", 443, "model"));
    // grpc builds the URI of a target with brackets by the multi-argument constructor (quoting them).
    DnsTarget v6 = DnsTarget.parse(new URI("dns", "", "/[::1]:50051", null, null), 443);
    assertThat(v6).isEqualTo(new DnsTarget("::1", 50051, "[::1]:50051"));
    assertThat(v6.literal()).isTrue();
    assertThat(DnsTarget.parse(URI.create("dns:///10.1.2.3:1"), 443).literal()).isTrue();
    assertThat(DnsTarget.parse(URI.create("dns:///model:1"), 443).literal()).isFalse();
    assertThatThrownBy(() -> DnsTarget.parse(URI.create("dns:model:1"), 443))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected dns:///host:port");
    assertThatThrownBy(() -> DnsTarget.parse(URI.create("dns:///"), 443))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DnsTarget.parse(URI.create("dns:///a/b:1"), 443))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not host:port");
  }

  @Test
  void anIpv6AnswerIsReportedWithTheTargetsPort() {
    answer("fd00::2", "fd00::1");
    start("dns:///v2.ns.svc:50051", INTERVAL);
    assertThat(reported).containsExactly(List.of("fd00:0:0:0:0:0:0:1:50051", "fd00:0:0:0:0:0:0:2:50051"));
  }

  private List<String> messages(Level level) {
    return logged.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
  }
}
