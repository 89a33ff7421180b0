package dev.siskin.router.metrics;

import static dev.siskin.router.metrics.CallOutcomes.HEALTH;
import static dev.siskin.router.metrics.CallOutcomes.PREDICT;
import static dev.siskin.router.metrics.CallOutcomes.call;
import static dev.siskin.router.metrics.CallOutcomes.feedKnownSplit;
import static dev.siskin.router.metrics.CallOutcomes.outcome;
import static dev.siskin.router.metrics.CallOutcomes.randomMethodName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.siskin.router.observe.CallOutcome;
import io.grpc.Status;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CallStatsTest {
  private final AtomicLong clock = new AtomicLong();
  private final CallStats stats = new CallStats(clock::get);

  @Test
  void countsKnownSplitExactlyPerBackendAndStatus() {
    feedKnownSplit(stats);

    BackendSnapshot v1 = stats.snapshot("v1").orElseThrow();
    assertThat(v1.callsTotal()).isEqualTo(90);
    assertThat(v1.callsByStatus()).containsExactly(Map.entry(Status.Code.OK, 90L));
    assertThat(v1.inFlight()).isZero();
    assertThat(v1.bytesIn()).isEqualTo(90 * 50);
    assertThat(v1.bytesOut()).isEqualTo(90 * 30);

    BackendSnapshot v2 = stats.snapshot("v2").orElseThrow();
    assertThat(v2.callsTotal()).isEqualTo(10);
    assertThat(v2.callsByStatus())
        .containsExactly(Map.entry(Status.Code.OK, 7L), Map.entry(Status.Code.UNAVAILABLE, 3L));
    assertThat(v2.bytesOut()).isEqualTo(7 * 30);
    assertThat(stats.snapshot("v3")).isEmpty();
  }

  @Test
  void inFlightIsStartedMinusFinished() {
    stats.onCallStarted("v1", PREDICT);
    stats.onCallStarted("v1", PREDICT);
    stats.onCallStarted("v1", HEALTH);
    assertThat(stats.snapshot("v1").orElseThrow().inFlight()).isEqualTo(3);

    stats.onCallFinished(outcome("v1", HEALTH, Status.Code.OK, 1, 0, 2));
    BackendSnapshot s = stats.snapshot("v1").orElseThrow();
    assertThat(s.inFlight()).isEqualTo(2);
    assertThat(s.callsTotal()).isEqualTo(1);
  }

  @Test
  void routerAnsweredCallsCountWithoutInFlight() {
    // The router may answer a call itself (no backend) without reporting a start.
    stats.onCallFinished(outcome(CallStats.NO_BACKEND, PREDICT, Status.Code.UNAVAILABLE, 0, 10, 0));
    BackendSnapshot s = stats.snapshot(CallStats.NO_BACKEND).orElseThrow();
    assertThat(s.inFlight()).isZero();
    assertThat(s.callsByStatus()).containsExactly(Map.entry(Status.Code.UNAVAILABLE, 1L));
  }

  @Test
  void percentilesOverLastMinuteAndSinceStart() {
    feedKnownSplit(stats); // v1: one call each of 1..90 ms

    BackendSnapshot v1 = stats.snapshot("v1").orElseThrow();
    // HdrHistogram keeps two significant digits: 1 % resolution.
    assertThat(v1.latencyLastMinute().calls()).isEqualTo(90);
    assertThat(v1.latencyLastMinute().p50Ms()).isCloseTo(45.0, within(0.45));
    assertThat(v1.latencyLastMinute().p90Ms()).isCloseTo(81.0, within(0.81));
    assertThat(v1.latencyLastMinute().p99Ms()).isCloseTo(90.0, within(0.90));
    assertThat(v1.latencySinceStart()).isEqualTo(v1.latencyLastMinute());
  }

  @Test
  void callsOlderThanAMinuteLeaveTheLastMinuteButNotSinceStart() {
    call(stats, "v1", PREDICT, Status.Code.OK, 100, 0, 0);
    stats.drainLatencyWindows();

    clock.addAndGet(TimeUnit.SECONDS.toNanos(30));
    call(stats, "v1", PREDICT, Status.Code.OK, 2, 0, 0);
    stats.drainLatencyWindows();
    assertThat(stats.snapshot("v1").orElseThrow().latencyLastMinute().calls()).isEqualTo(2);

    clock.addAndGet(TimeUnit.SECONDS.toNanos(40)); // the first call is 70 s old, the second 40 s
    BackendSnapshot s = stats.snapshot("v1").orElseThrow();
    assertThat(s.latencyLastMinute().calls()).isEqualTo(1);
    assertThat(s.latencyLastMinute().p99Ms()).isCloseTo(2.0, within(0.02));
    assertThat(s.latencySinceStart().calls()).isEqualTo(2);
    assertThat(s.latencySinceStart().p99Ms()).isCloseTo(100.0, within(1.0));

    clock.addAndGet(TimeUnit.SECONDS.toNanos(60));
    s = stats.snapshot("v1").orElseThrow();
    assertThat(s.latencyLastMinute()).isEqualTo(LatencyPercentiles.EMPTY);
    assertThat(s.latencyLastMinute().p50Ms()).isNull();
  }

  @Test
  void callsRecordedOnManyThreadsAreAllCounted() throws Exception {
    int threads = 8;
    int perThread = 5_000;
    Thread[] workers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      workers[t] = new Thread(() -> {
        for (int i = 0; i < perThread; i++) {
          call(stats, "v1", PREDICT, Status.Code.OK, 3, 1, 1);
          if (i % 1000 == 0) {
            stats.drainLatencyWindows(); // reading while writing must lose nothing
          }
        }
      });
      workers[t].start();
    }
    for (Thread w : workers) {
      w.join(60_000);
    }
    BackendSnapshot s = stats.snapshot("v1").orElseThrow();
    assertThat(s.callsTotal()).isEqualTo(threads * perThread);
    assertThat(s.inFlight()).isZero();
    assertThat(s.latencySinceStart().calls()).isEqualTo(threads * perThread);
    assertThat(s.latencyLastMinute().calls()).isEqualTo(threads * perThread);
  }

  @Test
  void theMethodBudgetIsOneForTheWholeRouter() {
    // Spread over two backends: with a budget per backend, every one of these would get its own series.
    for (int i = 0; i < MethodLabels.MAX_METHODS + 5; i++) {
      call(stats, i % 2 == 0 ? "v1" : "v2", "svc.S/M" + i, Status.Code.OK, 1, 0, 0);
    }
    assertThat(stats.methodsWithOwnLabel()).isEqualTo(MethodLabels.MAX_METHODS);
    Map<String, Long> calls = callsByLabel();
    assertThat(calls).hasSize(MethodLabels.MAX_METHODS + 1);
    assertThat(calls).containsEntry(MethodLabels.OTHER, 5L).containsEntry("svc.S/M0", 1L);
    assertThat(stats.snapshot("v1").orElseThrow().callsTotal() + stats.snapshot("v2").orElseThrow().callsTotal())
        .isEqualTo(MethodLabels.MAX_METHODS + 5);
  }

  @Test
  void methodsNoBackendAnsweredOkShareTheUnknownSeriesAndTakeNoPlaceInTheBudget() {
    for (int i = 0; i < 1_000; i++) {
      call(stats, i % 2 == 0 ? "v1" : "v2", "junk.S/M" + i, Status.Code.UNIMPLEMENTED, 1, 0, 0);
    }
    // What a client can cause for any name: ending the call, a deadline, a call the router cannot route.
    call(stats, "v1", "junk.S/Cancelled", Status.Code.CANCELLED, 1, 0, 0);
    call(stats, "v1", "junk.S/Late", Status.Code.DEADLINE_EXCEEDED, 1, 0, 0);
    stats.onCallFinished(routerAnswered("junk.S/NoRoute", Status.Code.UNAVAILABLE));
    stats.onCallFinished(routerAnswered(PREDICT, Status.Code.UNAVAILABLE)); // before Predict ever worked

    assertThat(stats.methodsWithOwnLabel()).isZero();
    assertThat(callsByLabel()).containsOnlyKeys(MethodLabels.UNKNOWN);
    assertThat(stats.snapshot("v1").orElseThrow().callsByStatus()).containsExactly(
        Map.entry(Status.Code.CANCELLED, 1L), Map.entry(Status.Code.DEADLINE_EXCEEDED, 1L),
        Map.entry(Status.Code.UNIMPLEMENTED, 500L));
  }

  @Test
  void aMethodAnsweredOkOnceIsCountedUnderItsNameOnEveryBackendWhateverTheStatus() {
    call(stats, "v1", PREDICT, Status.Code.OK, 1, 0, 0);
    call(stats, "v2", PREDICT, Status.Code.UNIMPLEMENTED, 1, 0, 0); // a canary that lacks it
    call(stats, "v2", PREDICT, Status.Code.CANCELLED, 1, 0, 0);
    stats.onCallFinished(routerAnswered(PREDICT, Status.Code.UNAVAILABLE)); // no backend available

    for (BackendStats b : stats.backendStats()) {
      assertThat(b.methods()).as(b.name).extracting(m -> m.label).containsExactly(PREDICT);
    }
    assertThat(stats.snapshot("v2").orElseThrow().callsTotal()).isEqualTo(2);
  }

  @Test
  void aRealMethodKeepsItsSeriesUnderAFloodOfLongJunkNames() {
    call(stats, "v1", PREDICT, Status.Code.OK, 1, 0, 0);
    Random random = new Random(1);
    for (int i = 0; i < 2_000; i++) {
      call(stats, i % 2 == 0 ? "v1" : "v2", randomMethodName(random, 7_000), Status.Code.UNIMPLEMENTED, 1, 0, 0);
    }
    call(stats, "v2", PREDICT, Status.Code.OK, 1, 0, 0);
    call(stats, "v2", HEALTH, Status.Code.OK, 1, 0, 0); // a method first used after the flood

    assertThat(callsByLabel()).containsOnly(Map.entry(PREDICT, 2L), Map.entry(HEALTH, 1L),
        Map.entry(MethodLabels.UNKNOWN, 2_000L));
  }

  @Test
  void answeredNamesLongerThanTheCapGoToTheOverflowSeries() {
    String longest = "s/" + "m".repeat(MethodLabels.MAX_NAME_CHARS - 2);
    call(stats, "v1", longest, Status.Code.OK, 1, 0, 0);
    call(stats, "v1", longest + "x", Status.Code.OK, 1, 0, 0);
    assertThat(callsByLabel()).containsOnly(Map.entry(longest, 1L), Map.entry(MethodLabels.OTHER, 1L));
  }

  @Test
  void aBackendLeavingTheConfigLosesItsLatencyWindowButKeepsItsCounters() {
    Set<String> configured = ConcurrentHashMap.newKeySet();
    configured.addAll(Set.of("v1", "v2"));
    CallStats stats = new CallStats(configured::contains, clock::get);
    call(stats, "v1", PREDICT, Status.Code.OK, 1, 10, 20);
    call(stats, "v2", PREDICT, Status.Code.OK, 3, 10, 20);
    stats.onCallFinished(routerAnswered(PREDICT, Status.Code.UNAVAILABLE));
    assertThat(stats.latencyWindows()).isEqualTo(3); // v1, v2 and "-"

    configured.remove("v2"); // a reload removed it
    stats.drainLatencyWindows();
    assertThat(stats.latencyWindows()).isEqualTo(2);
    call(stats, "v2", PREDICT, Status.Code.OK, 5, 10, 20); // in flight at the reload, finishing after it
    assertThat(stats.latencyWindows()).as("a late call does not bring the window back").isEqualTo(2);
    BackendSnapshot gone = stats.snapshot("v2").orElseThrow();
    assertThat(gone.callsTotal()).isEqualTo(2);
    assertThat(gone.bytesOut()).isEqualTo(40);
    assertThat(gone.latencySinceStart()).isEqualTo(LatencyPercentiles.EMPTY);

    configured.add("v2"); // back in the config
    call(stats, "v2", PREDICT, Status.Code.OK, 7, 10, 20);
    assertThat(stats.latencyWindows()).isEqualTo(3);
    BackendSnapshot back = stats.snapshot("v2").orElseThrow();
    assertThat(back.callsTotal()).as("counters continue").isEqualTo(3);
    assertThat(back.latencySinceStart().calls()).as("latency since it came back").isEqualTo(1);
    assertThat(back.latencySinceStart().p50Ms()).isCloseTo(7.0, within(0.07));
  }

  private Map<String, Long> callsByLabel() {
    Map<String, Long> calls = new TreeMap<>();
    for (BackendStats b : stats.backendStats()) {
      b.methods().forEach(m -> calls.merge(m.label, m.callsTotal(), Long::sum));
    }
    return calls;
  }

  private static CallOutcome routerAnswered(String method, Status.Code code) {
    return new CallOutcome(CallStats.NO_BACKEND, method, code, true, CallOutcomes.T0, 1_000, 0, 0, "-", 0);
  }

  @Test
  void durationBucketsFollowPrometheusLessOrEqual() {
    assertThat(DurationBuckets.indexOf(0)).isZero();
    assertThat(DurationBuckets.indexOf(100_000)).isZero(); // exactly 100 µs is "le 0.0001"
    assertThat(DurationBuckets.indexOf(100_001)).isEqualTo(1);
    assertThat(DurationBuckets.indexOf(TimeUnit.SECONDS.toNanos(10))).isEqualTo(DurationBuckets.COUNT - 2);
    assertThat(DurationBuckets.indexOf(TimeUnit.SECONDS.toNanos(11))).isEqualTo(DurationBuckets.COUNT - 1);
  }

  @Test
  void negativeNumbersFromTheProxyDoNotBreakCounting() {
    stats.onCallFinished(outcome("v1", PREDICT, Status.Code.OK, -5, -1, -1));
    BackendSnapshot s = stats.snapshot("v1").orElseThrow();
    assertThat(s.callsTotal()).isEqualTo(1);
    assertThat(s.bytesIn()).isZero();
  }
}
