package dev.siskin.router.canary;

import io.grpc.Status;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The counts of a {@link ShadowComparison} at one moment, for {@code GET /canary} and Prometheus. Immutable. All
 * counts are totals since the comparison was created (Prometheus counters); none ever goes down.
 *
 * <p>Predict pairs (a {@code mlservice.v1.PredictionService/Predict} call and its shadow copy) are counted in
 * stages: every pair in {@code pairs} and by status in {@code statusPairs}; a pair whose two calls both ended OK is
 * decoded, and each side that does not decode to a valid answer is counted in {@code primaryUnparseable} or
 * {@code shadowUnparseable}; a pair with two valid answers is {@code compared}. So
 * {@code agreed <= compared <= pairs} in every snapshot, also one taken while others record.
 *
 * @param pairs              Predict pairs recorded: the shadow copy was sent and finished (OK or not)
 * @param statusPairs        the Predict pairs by (primary status, shadow status), each pair seen at least once
 * @param primaryUnparseable pairs with both calls OK whose primary response was not a valid PredictResponse (see
 *                           {@link PredictAnswer#decode}); not compared
 * @param shadowUnparseable  the same for the shadow's response; a pair with both sides bad counts in both
 * @param compared           pairs with both calls OK and both responses valid
 * @param agreed             compared pairs with the same {@code prediction}
 * @param agreement          95 % Wilson interval of agreed / compared ({@link ProportionInterval#UNKNOWN} before
 *                           the first comparison)
 * @param flips              the flip matrix: compared pairs by (primary class, shadow class), diagonal included
 * @param confidenceDeltas   shadow minus primary confidence over the compared pairs
 * @param confidentFlips     compared pairs that disagreed although the shadow's confidence was at least
 *                           {@value ShadowComparison#CONFIDENT}: the alarming kind of disagreement
 * @param skipped            selected calls that got no shadow copy, by reason (every reason, 0 included); they are
 *                           in no other count
 * @param otherMethods       pairs of every other method, compared on status and bytes only
 */
public record ShadowSnapshot(
    long pairs,
    List<StatusPair> statusPairs,
    long primaryUnparseable,
    long shadowUnparseable,
    long compared,
    long agreed,
    ProportionInterval agreement,
    List<Flip> flips,
    ConfidenceDeltas confidenceDeltas,
    long confidentFlips,
    Map<SkipReason, Long> skipped,
    OtherMethodsSnapshot otherMethods) {

  public ShadowSnapshot {
    statusPairs = List.copyOf(statusPairs);
    flips = List.copyOf(flips);
    EnumMap<SkipReason, Long> copy = new EnumMap<>(SkipReason.class);
    copy.putAll(skipped); // not new EnumMap<>(map): that refuses an empty map that is not an EnumMap
    skipped = Collections.unmodifiableMap(copy);
  }

  /** agreed / compared; empty before the first comparison. */
  public OptionalDouble agreementRate() {
    return compared == 0 ? OptionalDouble.empty() : OptionalDouble.of((double) agreed / compared);
  }

  /** Compared pairs with different predictions. */
  public long disagreed() {
    return compared - agreed;
  }

  /** The Predict status pairs whose codes differ, e.g. primary OK and shadow INTERNAL. */
  public List<StatusPair> statusMismatches() {
    return statusPairs.stream().filter(StatusPair::mismatch).toList();
  }

  /** Predict pairs whose shadow copy did not end OK, whatever the primary did. */
  public long shadowFailures() {
    return statusPairs.stream().filter(p -> p.shadow() != Status.Code.OK).mapToLong(StatusPair::count).sum();
  }

  /** Selected calls that got no shadow copy, all reasons together. */
  public long skippedTotal() {
    return skipped.values().stream().mapToLong(Long::longValue).sum();
  }
}
