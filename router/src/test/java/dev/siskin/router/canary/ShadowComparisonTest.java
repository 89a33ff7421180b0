package dev.siskin.router.canary;

import static io.grpc.Status.Code.DEADLINE_EXCEEDED;
import static io.grpc.Status.Code.INTERNAL;
import static io.grpc.Status.Code.INVALID_ARGUMENT;
import static io.grpc.Status.Code.OK;
import static io.grpc.Status.Code.UNAVAILABLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ShadowComparisonTest {
  private static final byte[] SETOSA_FLOWER = Messages.request(5.1, 3.5, 1.4, 0.2);
  private static final byte[] BORDER_FLOWER = Messages.request(6.3, 2.8, 5.1, 1.5);

  private final AtomicLong millis = new AtomicLong(1_700_000_000_000L);
  private final ShadowComparison comparison = new ShadowComparison(new TickingClock(millis));

  private void pair(String primary, double primaryConfidence, String shadow, double shadowConfidence) {
    comparison.recordPredict(OK, Messages.v1(primary, primaryConfidence), OK, Messages.v2(shadow, shadowConfidence),
        BORDER_FLOWER);
  }

  @Test
  void nothingRecordedIsAllZeroWithAnUnknownAgreement() {
    ShadowSnapshot s = comparison.snapshot();
    assertThat(s.pairs()).isZero();
    assertThat(s.compared()).isZero();
    assertThat(s.agreed()).isZero();
    assertThat(s.agreementRate()).isEmpty();
    assertThat(s.agreement()).isEqualTo(ProportionInterval.UNKNOWN);
    assertThat(s.flips()).isEmpty();
    assertThat(s.statusPairs()).isEmpty();
    assertThat(s.confidenceDeltas().count()).isZero();
    assertThat(s.confidenceDeltas().mean()).isEmpty();
    assertThat(s.confidenceDeltas().bins()).hasSize(20).allSatisfy(b -> assertThat(b.count()).isZero());
    assertThat(s.skipped()).containsOnlyKeys(SkipReason.values()).allSatisfy((r, n) -> assertThat(n).isZero());
    assertThat(s.otherMethods()).isEqualTo(new OtherMethodsSnapshot(0, 0, List.of()));
    assertThat(comparison.recentDisagreements()).isEmpty();
  }

  @Test
  void countsComparedAgreedAndTheFlipMatrix() {
    for (int i = 0; i < 10; i++) {
      pair("setosa", 1.0, "setosa", 1.0);
    }
    for (int i = 0; i < 3; i++) {
      pair("versicolor", 0.6, "virginica", 0.55);
    }
    for (int i = 0; i < 2; i++) {
      pair("virginica", 0.5, "versicolor", 0.7);
    }
    pair("virginica", 0.9, "virginica", 0.8);

    ShadowSnapshot s = comparison.snapshot();
    assertThat(s.pairs()).isEqualTo(16);
    assertThat(s.compared()).isEqualTo(16);
    assertThat(s.agreed()).isEqualTo(11);
    assertThat(s.disagreed()).isEqualTo(5);
    assertThat(s.agreementRate()).hasValue(11.0 / 16);
    assertThat(s.agreement()).isEqualTo(ProportionInterval.wilson95(11, 16));
    assertThat(s.flips()).containsExactly(
        new Flip("setosa", "setosa", 10),
        new Flip("versicolor", "virginica", 3),
        new Flip("virginica", "versicolor", 2),
        new Flip("virginica", "virginica", 1));
    assertThat(s.flips().stream().mapToLong(Flip::count).sum()).isEqualTo(s.compared());
    assertThat(s.flips().stream().filter(Flip::agreement).mapToLong(Flip::count).sum()).isEqualTo(s.agreed());
    assertThat(s.statusPairs()).containsExactly(new StatusPair(OK, OK, 16));
    assertThat(s.statusMismatches()).isEmpty();
    assertThat(s.shadowFailures()).isZero();
    assertThat(s.primaryUnparseable()).isZero();
    assertThat(s.shadowUnparseable()).isZero();
  }

  /**
   * Deltas (shadow - primary) of the pairs below: 0 (x4), -0.05 (x3), +0.2, -0.3, +0.95, -1.
   * Sum = -0.15 - 0.3 + 0.2 + 0.95 - 1 = -0.3 over 11 pairs; |delta| > 0.2: -0.3, +0.95, -1 (+0.2 is not above).
   */
  @Test
  void confidenceDeltasByBinWithMeanAndLargeShare() {
    for (int i = 0; i < 4; i++) {
      pair("setosa", 1.0, "setosa", 1.0);            // 0        -> (-0.1, 0]
    }
    for (int i = 0; i < 3; i++) {
      pair("versicolor", 0.6, "versicolor", 0.55);   // -0.05    -> (-0.1, 0]
    }
    pair("virginica", 0.7, "virginica", 0.9);        // +0.2 (0.20000000000000007 in doubles) -> (0.1, 0.2]
    pair("virginica", 0.8, "versicolor", 0.5);       // -0.3 (-0.30000000000000004) -> (-0.4, -0.3]
    pair("versicolor", 0.05, "virginica", 1.0);      // +0.95    -> (0.9, 1.0]
    pair("setosa", 1.0, "virginica", 0.0);           // -1       -> [-1, -0.9]

    ConfidenceDeltas d = comparison.snapshot().confidenceDeltas();
    assertThat(d.count()).isEqualTo(11);
    assertThat(d.sum()).isCloseTo(-0.3, within(1e-12));
    assertThat(d.mean().getAsDouble()).isCloseTo(-0.3 / 11, within(1e-12));
    assertThat(d.large()).isEqualTo(3);
    assertThat(d.largeShare()).hasValue(3.0 / 11);
    assertThat(binCount(d, 0.0)).isEqualTo(7);
    assertThat(binCount(d, 0.2)).isEqualTo(1);
    assertThat(binCount(d, -0.3)).isEqualTo(1);
    assertThat(binCount(d, 1.0)).isEqualTo(1);
    assertThat(binCount(d, -0.9)).isEqualTo(1);
    assertThat(d.bins().stream().mapToLong(ConfidenceDeltas.Bin::count).sum()).isEqualTo(11);
    assertThat(d.bins().get(0)).isEqualTo(new ConfidenceDeltas.Bin(-1, -0.9, 1));
    assertThat(d.bins().get(19)).isEqualTo(new ConfidenceDeltas.Bin(0.9, 1.0, 1));
    for (int i = 1; i < 20; i++) {
      assertThat(d.bins().get(i).lower()).isEqualTo(d.bins().get(i - 1).upper());
      assertThat(d.bins().get(i).upper()).isCloseTo(-1 + (i + 1) / 10.0, within(1e-12));
    }
  }

  private static long binCount(ConfidenceDeltas d, double upper) {
    return d.bins().stream().filter(b -> Math.abs(b.upper() - upper) < 1e-12).findFirst().orElseThrow().count();
  }

  @Test
  void aConfidentFlipIsOneWhereTheShadowWasAtLeastNinetyPercentSure() {
    pair("versicolor", 0.6, "virginica", 0.9);   // confident flip
    pair("versicolor", 0.6, "virginica", 1.0);   // confident flip
    pair("versicolor", 0.6, "virginica", 0.89);  // flip, not confident
    pair("virginica", 0.6, "virginica", 0.99);   // agreement: no flip at all
    assertThat(comparison.snapshot().confidentFlips()).isEqualTo(2);
  }

  @Test
  void statusPairsAndMismatchesArePerCodePairAndNothingIsCompared() {
    byte[] ok = Messages.v1("setosa", 1.0);
    comparison.recordPredict(OK, ok, INTERNAL, null, SETOSA_FLOWER);
    comparison.recordPredict(OK, ok, INTERNAL, null, SETOSA_FLOWER);
    comparison.recordPredict(OK, ok, UNAVAILABLE, null, SETOSA_FLOWER);
    comparison.recordPredict(OK, ok, DEADLINE_EXCEEDED, null, SETOSA_FLOWER);
    comparison.recordPredict(UNAVAILABLE, null, UNAVAILABLE, null, SETOSA_FLOWER);
    comparison.recordPredict(INTERNAL, null, OK, Messages.v2("setosa", 1.0), SETOSA_FLOWER);
    comparison.recordPredict(INVALID_ARGUMENT, null, INVALID_ARGUMENT, null, SETOSA_FLOWER);

    ShadowSnapshot s = comparison.snapshot();
    assertThat(s.pairs()).isEqualTo(7);
    assertThat(s.compared()).isZero();
    assertThat(s.statusPairs()).containsExactly(
        new StatusPair(OK, DEADLINE_EXCEEDED, 1),
        new StatusPair(OK, INTERNAL, 2),
        new StatusPair(OK, UNAVAILABLE, 1),
        new StatusPair(INVALID_ARGUMENT, INVALID_ARGUMENT, 1),
        new StatusPair(INTERNAL, OK, 1),
        new StatusPair(UNAVAILABLE, UNAVAILABLE, 1));
    assertThat(s.statusMismatches()).containsExactly(
        new StatusPair(OK, DEADLINE_EXCEEDED, 1),
        new StatusPair(OK, INTERNAL, 2),
        new StatusPair(OK, UNAVAILABLE, 1),
        new StatusPair(INTERNAL, OK, 1));
    assertThat(s.shadowFailures()).isEqualTo(6); // all but INTERNAL -> OK
    assertThat(s.primaryUnparseable()).isZero(); // a failed call has no answer to parse
    assertThat(s.shadowUnparseable()).isZero();
  }

  @Test
  void unparseableAnswersAreCountedPerSideAndNeverCompared() {
    Random random = new Random(8);
    byte[] good = Messages.v1("setosa", 1.0);
    comparison.recordPredict(OK, good, OK, Messages.garbage(random, 40), SETOSA_FLOWER);
    comparison.recordPredict(OK, good, OK, new byte[0], SETOSA_FLOWER);       // parses, but has no prediction
    comparison.recordPredict(OK, good, OK, null, SETOSA_FLOWER);              // OK without a message
    comparison.recordPredict(OK, good, OK, Messages.v2("setosa", 7.5), SETOSA_FLOWER); // not a probability
    comparison.recordPredict(OK, Messages.garbage(random, 10), OK, good, SETOSA_FLOWER);
    comparison.recordPredict(OK, null, OK, Messages.garbage(random, 3), SETOSA_FLOWER);   // both sides
    comparison.recordPredict(OK, good, OK, Messages.v2("setosa", 1.0), Messages.garbage(random, 5)); // fine

    ShadowSnapshot s = comparison.snapshot();
    assertThat(s.pairs()).isEqualTo(7);
    assertThat(s.shadowUnparseable()).isEqualTo(5);
    assertThat(s.primaryUnparseable()).isEqualTo(2);
    assertThat(s.compared()).isEqualTo(1);
    assertThat(s.agreed()).isEqualTo(1);
    assertThat(s.statusPairs()).containsExactly(new StatusPair(OK, OK, 7));
  }

  @Test
  void theFlipMatrixNamesAtMostSixteenClassesWhateverTheShadowAnswers() {
    for (int i = 0; i < 40; i++) {
      pair("setosa", 1.0, "junk-" + i, 0.5);
    }
    pair("setosa", 1.0, "y".repeat(65), 0.5);  // too long to be a class name
    pair("setosa", 1.0, "y".repeat(64), 0.5);  // just short enough, but the budget is spent

    ShadowSnapshot s = comparison.snapshot();
    assertThat(s.compared()).isEqualTo(42);
    List<String> shadowClasses = s.flips().stream().map(Flip::shadow).distinct().toList();
    assertThat(shadowClasses).hasSize(ShadowComparison.MAX_CLASSES); // setosa + 15 junk-N + __other__
    assertThat(shadowClasses).contains("__other__").doesNotContain("junk-15", "y".repeat(64));
    assertThat(s.flips()).contains(new Flip("setosa", "__other__", 42 - 15));
    assertThat(s.flips().stream().mapToLong(Flip::count).sum()).isEqualTo(42);
  }

  @Test
  void keepsTheLastHundredDisagreementsWithFeaturesAndBothAnswersNewestFirst() {
    for (int i = 0; i < 250; i++) {
      pair("setosa", 1.0, "setosa", 1.0); // agreements are never kept
      comparison.recordPredict(OK, Messages.v1("versicolor", 0.6), OK, Messages.v2("virginica", i / 1000.0),
          Messages.request(6.0, 2.9, 4.5, 1.5 + i));
    }
    List<Disagreement> kept = comparison.recentDisagreements();
    assertThat(kept).hasSize(ShadowComparison.KEPT_DISAGREEMENTS);
    Disagreement newest = kept.get(0);
    assertThat(newest.primary()).isEqualTo(new PredictAnswer("versicolor", 0.6, "v1.0.0"));
    assertThat(newest.shadow()).isEqualTo(new PredictAnswer("virginica", 0.249, "v2.0.0"));
    assertThat(newest.features()).containsExactly(new FeatureValue("sepal_length", 6.0),
        new FeatureValue("sepal_width", 2.9), new FeatureValue("petal_length", 4.5),
        new FeatureValue("petal_width", 1.5 + 249));
    assertThat(kept.get(99).shadow().confidence()).isEqualTo(0.150); // the 151st disagreement
    // The clock ticks 1 ms per reading, and is read once per kept disagreement: strictly newest first.
    for (int i = 1; i < kept.size(); i++) {
      assertThat(kept.get(i).at()).isBefore(kept.get(i - 1).at());
    }
    assertThat(comparison.snapshot().disagreed()).isEqualTo(250);
  }

  @Test
  void aKeptDisagreementHasBoundedStrings() {
    comparison.recordPredict(OK, Messages.v1("setosa", 1.0), OK, Messages.answer("z".repeat(100_000), 0.5,
        "w".repeat(100_000)), Messages.garbage(new Random(2), 30));
    Disagreement d = comparison.recentDisagreements().get(0);
    assertThat(d.shadow().prediction()).hasSize(65);
    assertThat(d.shadow().modelVersion()).hasSize(65);
    assertThat(d.features()).isEmpty(); // the request did not parse
  }

  @Test
  void skippedCopiesAreCountedByReasonAndNowhereElse() {
    comparison.skipped(SkipReason.IN_FLIGHT_LIMIT);
    comparison.skipped(SkipReason.IN_FLIGHT_LIMIT);
    comparison.skipped(SkipReason.DEADLINE);
    ShadowSnapshot s = comparison.snapshot();
    assertThat(s.skipped()).isEqualTo(Map.of(SkipReason.IN_FLIGHT_LIMIT, 2L, SkipReason.DEADLINE, 1L,
        SkipReason.BACKEND_UNAVAILABLE, 0L, SkipReason.PRIMARY_ON_SHADOW, 0L, SkipReason.PRIMARY_CANCELLED, 0L,
        SkipReason.SHADOW_TOO_SLOW, 0L, SkipReason.REQUEST_TOO_LARGE, 0L, SkipReason.REQUEST_UNFINISHED, 0L));
    assertThat(s.skippedTotal()).isEqualTo(3);
    assertThat(s.pairs()).isZero();
    assertThat(SkipReason.IN_FLIGHT_LIMIT.label()).isEqualTo("in_flight_limit");
  }

  @Test
  void otherMethodsAreEqualOnlyWithTheSameStatusAndBytes() {
    byte[] a = {1, 2, 3};
    comparison.recordOther(OK, a, OK, new byte[] {1, 2, 3});      // equal
    comparison.recordOther(OK, a, OK, new byte[] {1, 2, 4});      // different bytes
    comparison.recordOther(OK, a, INTERNAL, null);                // different status
    comparison.recordOther(UNAVAILABLE, null, UNAVAILABLE, null); // equal: same status, no message on either
    comparison.recordOther(OK, null, OK, new byte[0]);            // no message vs an empty one: not equal

    ShadowSnapshot s = comparison.snapshot();
    assertThat(s.otherMethods().pairs()).isEqualTo(5);
    assertThat(s.otherMethods().equal()).isEqualTo(2);
    assertThat(s.otherMethods().statusPairs()).containsExactly(new StatusPair(OK, OK, 3),
        new StatusPair(OK, INTERNAL, 1), new StatusPair(UNAVAILABLE, UNAVAILABLE, 1));
    assertThat(s.pairs()).isZero(); // Predict counts are apart
    assertThat(s.statusPairs()).isEmpty();
  }

  @Test
  void aSnapshotIsImmutableAndDoesNotMoveWithLaterCalls() {
    pair("setosa", 1.0, "virginica", 0.5);
    ShadowSnapshot before = comparison.snapshot();
    pair("setosa", 1.0, "setosa", 1.0);
    comparison.skipped(SkipReason.DEADLINE);
    assertThat(before.compared()).isEqualTo(1);
    assertThat(before.flips()).containsExactly(new Flip("setosa", "virginica", 1));
    assertThat(before.skipped().get(SkipReason.DEADLINE)).isZero();
    assertThatThrownBy(() -> before.flips().add(new Flip("a", "b", 1)))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> before.skipped().put(SkipReason.DEADLINE, 5L))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(comparison.snapshot().compared()).isEqualTo(2);
  }

  /**
   * 8 threads each record 20,000 Predict pairs of a known mix, plus skips and other-method pairs, while a reader
   * takes snapshots: the totals are exact, and every snapshot taken meanwhile keeps agreed <= compared <= pairs.
   */
  @Test
  void concurrentRecordingKeepsExactTotals() throws Exception {
    int threads = 8;
    int perThread = 20_000;
    byte[] setosa1 = Messages.v1("setosa", 1.0);
    byte[] setosa2 = Messages.v2("setosa", 1.0);
    byte[] versicolor1 = Messages.v1("versicolor", 0.7);
    byte[] virginica2 = Messages.v2("virginica", 0.6);
    byte[] junk = Messages.garbage(new Random(4), 20);
    AtomicBoolean writing = new AtomicBoolean(true);
    ExecutorService readers = Executors.newSingleThreadExecutor();
    try {
      Future<?> reader = readers.submit(() -> {
        while (writing.get()) {
          ShadowSnapshot s = comparison.snapshot();
          assertThat(s.agreed()).isLessThanOrEqualTo(s.compared());
          assertThat(s.compared()).isLessThanOrEqualTo(s.pairs());
          assertThat(s.confidenceDeltas().large()).isLessThanOrEqualTo(s.confidenceDeltas().count());
          assertThat(comparison.recentDisagreements()).hasSizeLessThanOrEqualTo(ShadowComparison.KEPT_DISAGREEMENTS);
        }
        return null;
      });
      Concurrently.run(threads, thread -> {
        for (int i = 0; i < perThread; i++) {
          switch (i % 10) {
            case 0, 1, 2, 3, 4, 5 -> comparison.recordPredict(OK, setosa1, OK, setosa2, SETOSA_FLOWER);
            case 6, 7 -> comparison.recordPredict(OK, versicolor1, OK, virginica2, BORDER_FLOWER);
            case 8 -> comparison.recordPredict(OK, setosa1, OK, junk, SETOSA_FLOWER);
            default -> comparison.recordPredict(OK, setosa1, UNAVAILABLE, null, SETOSA_FLOWER);
          }
          if (i % 100 == 0) {
            comparison.skipped(SkipReason.IN_FLIGHT_LIMIT);
            comparison.recordOther(OK, junk, OK, junk);
          }
        }
      });
      writing.set(false);
      reader.get(60, TimeUnit.SECONDS); // rethrows what a snapshot taken meanwhile broke
    } finally {
      writing.set(false);
      readers.shutdownNow();
      assertThat(readers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    long total = (long) threads * perThread;
    ShadowSnapshot s = comparison.snapshot();
    assertThat(s.pairs()).isEqualTo(total);
    assertThat(s.compared()).isEqualTo(total * 8 / 10);
    assertThat(s.agreed()).isEqualTo(total * 6 / 10);
    assertThat(s.flips()).containsExactly(new Flip("setosa", "setosa", total * 6 / 10),
        new Flip("versicolor", "virginica", total * 2 / 10));
    assertThat(s.shadowUnparseable()).isEqualTo(total / 10);
    assertThat(s.statusPairs()).containsExactly(new StatusPair(OK, OK, total * 9 / 10),
        new StatusPair(OK, UNAVAILABLE, total / 10));
    assertThat(s.confidenceDeltas().count()).isEqualTo(total * 8 / 10);
    assertThat(s.confidenceDeltas().large()).isZero(); // 0 and -0.1
    assertThat(s.confidenceDeltas().sum()).isCloseTo(total * 2 / 10 * -0.1, within(1e-6));
    assertThat(s.skipped().get(SkipReason.IN_FLIGHT_LIMIT)).isEqualTo(total / 100);
    assertThat(s.otherMethods().pairs()).isEqualTo(total / 100);
    assertThat(s.otherMethods().equal()).isEqualTo(total / 100);
    List<Disagreement> kept = comparison.recentDisagreements();
    assertThat(kept).hasSize(ShadowComparison.KEPT_DISAGREEMENTS)
        .allSatisfy(d -> assertThat(d.primary().prediction()).isEqualTo("versicolor"));
  }

  /** A clock that moves 1 ms forward every time it is read. */
  private static final class TickingClock extends Clock {
    private final AtomicLong millis;

    TickingClock(AtomicLong millis) {
      this.millis = millis;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.getAndIncrement());
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }
}
