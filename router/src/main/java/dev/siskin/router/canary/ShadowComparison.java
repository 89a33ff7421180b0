package dev.siskin.router.canary;

import io.grpc.Status;
import java.time.Clock;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * The running comparison of a shadow backend's answers with the primary's: for each call the router mirrored, the
 * primary's outcome (the one the client got) is put beside the shadow copy's, and the pair is counted. What each
 * count means is on {@link ShadowSnapshot}; the kept examples are {@link #recentDisagreements()}.
 *
 * <p>Predict calls ({@value #PREDICT_METHOD}) are decoded and compared on the class predicted; every other method
 * on status and response bytes only ({@link #recordOther}). Copies that were never sent are counted by reason
 * ({@link #skipped}). Nothing here throws on what a backend or client sent: bytes that do not decode are counted.
 *
 * <p>Memory is bounded whatever the backends answer: at most {@value #MAX_CLASSES} distinct classes in the flip
 * matrix (later ones, and names over {@value BoundedLabels#MAX_CHARS} chars, are {@value BoundedLabels#OTHER}),
 * the last {@value #KEPT_DISAGREEMENTS} disagreements with their strings cut, fixed tables for the rest.
 *
 * <p>Thread-safe, made to be fed from the proxy's event-loop threads: recording a pair is a few {@link LongAdder}
 * increments and, for Predict, two protobuf parses of the small responses; only a disagreement takes a lock (to
 * store it in the ring) and parses the request. Snapshots read the adders without stopping recording, so a
 * snapshot is not one instant, but its counts keep the order documented on {@link ShadowSnapshot}.
 */
public final class ShadowComparison {
  /** The one method whose answers are decoded and compared by class. */
  public static final String PREDICT_METHOD = "mlservice.v1.PredictionService/Predict";
  /** Distinct classes the flip matrix names; a real classifier has a few (Iris: 3). */
  public static final int MAX_CLASSES = 16;
  /** Disagreements kept as examples. */
  public static final int KEPT_DISAGREEMENTS = 100;
  /** A shadow confidence at or above this on a disagreement counts as a {@code confidentFlip}. */
  public static final double CONFIDENT = 0.9;

  private final Clock clock;
  private final LongAdder pairs = new LongAdder();
  private final StatusPairCounter statusPairs = new StatusPairCounter();
  private final LongAdder primaryUnparseable = new LongAdder();
  private final LongAdder shadowUnparseable = new LongAdder();
  private final LongAdder compared = new LongAdder();
  private final LongAdder agreed = new LongAdder();
  private final LongAdder confidentFlips = new LongAdder();
  private final FlipMatrix flips = new FlipMatrix(MAX_CLASSES);
  private final ConfidenceDeltaHistogram deltas = new ConfidenceDeltaHistogram();
  /** The kept examples; null when none are kept (router.admin-disagreement-examples = false). */
  private final DisagreementLog disagreements;
  private final LongAdder[] skipped = new LongAdder[SkipReason.values().length];
  private final LongAdder otherPairs = new LongAdder();
  private final LongAdder otherEqual = new LongAdder();
  private final StatusPairCounter otherStatusPairs = new StatusPairCounter();

  public ShadowComparison() {
    this(Clock.systemUTC());
  }

  /** @param clock stamps the kept disagreements */
  public ShadowComparison(Clock clock) {
    this(clock, true);
  }

  /** @param keepExamples whether disagreements are kept with their request's features */
  public ShadowComparison(Clock clock, boolean keepExamples) {
    this.clock = clock;
    this.disagreements = keepExamples ? new DisagreementLog(KEPT_DISAGREEMENTS) : null;
    for (int i = 0; i < skipped.length; i++) {
      skipped[i] = new LongAdder();
    }
  }

  /**
   * Counts one Predict call and its shadow copy, once both have finished.
   *
   * @param primaryCode     status the client got
   * @param primaryResponse the response message the client got; null if none
   * @param shadowCode      status of the shadow copy (the router's own, e.g. UNAVAILABLE or DEADLINE_EXCEEDED, when
   *                        it could not get an answer)
   * @param shadowResponse  the shadow's response message; null if none
   * @param request         the request message both were sent, kept (decoded) only if they disagree; null if not
   *                        at hand
   * @return what the pair showed
   */
  public PairResult recordPredict(Status.Code primaryCode, byte[] primaryResponse, Status.Code shadowCode,
      byte[] shadowResponse, byte[] request) {
    // Counted before the finer counts, which snapshot() reads first: agreed <= compared <= pairs.
    pairs.increment();
    statusPairs.record(primaryCode, shadowCode);
    if (primaryCode != Status.Code.OK) {
      return PairResult.NOT_COMPARED;
    }
    if (shadowCode != Status.Code.OK) {
      return PairResult.SHADOW_FAILED;
    }
    Optional<PredictAnswer> primary = PredictAnswer.decode(primaryResponse);
    Optional<PredictAnswer> shadow = PredictAnswer.decode(shadowResponse);
    if (primary.isEmpty()) {
      primaryUnparseable.increment();
    }
    if (shadow.isEmpty()) {
      shadowUnparseable.increment();
    }
    if (primary.isPresent() && shadow.isPresent()) {
      return compare(primary.get(), shadow.get(), request);
    }
    return PairResult.NOT_COMPARED;
  }

  private PairResult compare(PredictAnswer primary, PredictAnswer shadow, byte[] request) {
    compared.increment();
    flips.record(primary.prediction(), shadow.prediction());
    deltas.record(shadow.confidence() - primary.confidence());
    if (primary.prediction().equals(shadow.prediction())) {
      agreed.increment();
      return PairResult.AGREED;
    }
    if (shadow.confidence() >= CONFIDENT) {
      confidentFlips.increment();
    }
    if (disagreements != null) {
      disagreements.add(new Disagreement(clock.instant(), FeatureValue.fromRequest(request),
          primary.truncated(BoundedLabels.MAX_CHARS), shadow.truncated(BoundedLabels.MAX_CHARS)));
    }
    return PairResult.DISAGREED;
  }

  /**
   * Counts one call of any method but Predict and its shadow copy: equal when both ended with the same status and
   * byte-identical responses.
   *
   * @param primaryResponse the primary's response bytes (for streaming calls, however the caller joins or digests
   *                        the messages, the same way for both sides); null if none
   * @param shadowResponse  the shadow's, likewise
   */
  public void recordOther(Status.Code primaryCode, byte[] primaryResponse, Status.Code shadowCode,
      byte[] shadowResponse) {
    otherPairs.increment();
    otherStatusPairs.record(primaryCode, shadowCode);
    if (primaryCode == shadowCode && Arrays.equals(primaryResponse, shadowResponse)) {
      otherEqual.increment();
    }
  }

  /** Counts a call selected for shadowing whose copy was not sent. */
  public void skipped(SkipReason reason) {
    skipped[reason.ordinal()].increment();
  }

  /** The last {@value #KEPT_DISAGREEMENTS} disagreements, newest first. */
  public List<Disagreement> recentDisagreements() {
    return disagreements == null ? List.of() : disagreements.newestFirst();
  }

  public ShadowSnapshot snapshot() {
    // Finer counts before the coarser ones they are part of (see recordPredict).
    long agreedNow = agreed.sum();
    List<Flip> flipsNow = flips.snapshot();
    ConfidenceDeltas deltasNow = deltas.snapshot();
    long confidentNow = confidentFlips.sum();
    long comparedNow = compared.sum();
    long primaryBad = primaryUnparseable.sum();
    long shadowBad = shadowUnparseable.sum();
    List<StatusPair> statusNow = statusPairs.snapshot();
    long pairsNow = pairs.sum();
    Map<SkipReason, Long> skippedNow = new EnumMap<>(SkipReason.class);
    for (SkipReason reason : SkipReason.values()) {
      skippedNow.put(reason, skipped[reason.ordinal()].sum());
    }
    long otherEqualNow = otherEqual.sum();
    List<StatusPair> otherStatusNow = otherStatusPairs.snapshot();
    OtherMethodsSnapshot others = new OtherMethodsSnapshot(otherPairs.sum(), otherEqualNow, otherStatusNow);
    return new ShadowSnapshot(pairsNow, statusNow, primaryBad, shadowBad, comparedNow, agreedNow,
        ProportionInterval.wilson95(agreedNow, comparedNow), flipsNow, deltasNow, confidentNow, skippedNow, others);
  }
}
