package dev.siskin.router;

import dev.siskin.router.admin.CanaryView;
import dev.siskin.router.canary.ClassDistribution;
import dev.siskin.router.canary.ClassDistributionSnapshot;
import dev.siskin.router.canary.Disagreement;
import dev.siskin.router.canary.PairResult;
import dev.siskin.router.canary.ShadowComparison;
import dev.siskin.router.canary.ShadowSnapshot;
import dev.siskin.router.canary.SkipReason;
import dev.siskin.router.proxy.CanaryObserver;
import dev.siskin.router.proxy.ShadowExchange;
import dev.siskin.router.rollout.RolloutView;
import dev.siskin.router.rollout.judge.Comparison;
import dev.siskin.router.route.RoutingRuleStats;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Feeds what the forwarding observes into the canary analysis: shadow pairs into the {@link ShadowComparison}
 * (Predict answers compared field by field, other methods on status and response digest), skipped copies into
 * its skip counts, and every served Predict answer into the per-backend {@link ClassDistribution}. Thread-safe
 * (the analysis classes are).
 */
final class CanaryRecorder implements CanaryObserver {
  /** Where each compared Predict pair also goes: the rollout's judge. */
  interface ComparisonSink {
    void compared(String primaryBackend, String shadowBackend, Comparison result);
  }

  private final ShadowComparison comparison;
  private final ClassDistribution classes = new ClassDistribution();
  private final ComparisonSink judge;

  CanaryRecorder(ComparisonSink judge) {
    this(judge, true);
  }

  /** @param keepExamples whether disagreements are kept with their request's features (for /canary/disagreements) */
  CanaryRecorder(ComparisonSink judge, boolean keepExamples) {
    this.judge = judge;
    this.comparison = new ShadowComparison(java.time.Clock.systemUTC(), keepExamples);
  }

  ShadowComparison comparison() {
    return comparison;
  }

  ClassDistribution classes() {
    return classes;
  }

  /**
   * What /canary shows, read at each request; {@code shadowInFlight} counts the copies running now, {@code rules}
   * the force-header values the routing rules could not use.
   */
  CanaryView view(IntSupplier shadowInFlight, RoutingRuleStats rules, Supplier<RolloutView> rollout) {
    return new CanaryView() {
      @Override
      public RolloutView rollout() {
        return rollout.get();
      }

      @Override
      public ShadowSnapshot shadow() {
        return comparison.snapshot();
      }

      @Override
      public int shadowInFlight() {
        return shadowInFlight.getAsInt();
      }

      @Override
      public ClassDistributionSnapshot classes() {
        return classes.snapshot();
      }

      @Override
      public List<Disagreement> disagreements() {
        return comparison.recentDisagreements();
      }

      @Override
      public long forceHeaderUnknown() {
        return rules.forceUnknownTotal();
      }

      @Override
      public long forceHeaderEmpty() {
        return rules.forceEmptyTotal();
      }
    };
  }

  @Override
  public void compared(ShadowExchange pair) {
    if (pair.fullMethod().equals(ShadowComparison.PREDICT_METHOD)) {
      PairResult result = comparison.recordPredict(pair.primary().code(), pair.primary().firstResponse(),
          pair.shadow().code(), pair.shadow().firstResponse(), pair.request());
      Comparison judged = switch (result) {
        case AGREED -> Comparison.AGREED;
        case DISAGREED -> Comparison.DISAGREED;
        case SHADOW_FAILED -> Comparison.SHADOW_FAILED;
        case NOT_COMPARED -> null;
      };
      if (judged != null) {
        judge.compared(pair.primaryBackend(), pair.shadowBackend(), judged);
      }
    } else {
      // The digests cover every response message (and their number), so equal digests mean equal answers.
      comparison.recordOther(pair.primary().code(), digestWithCount(pair.primary()), pair.shadow().code(),
          digestWithCount(pair.shadow()));
    }
  }

  @Override
  public void skipped(String shadowBackend, String fullMethod, SkipReason reason) {
    comparison.skipped(reason);
  }

  @Override
  public void served(String backend, byte[] response) {
    classes.recordServed(backend, response);
  }

  private static byte[] digestWithCount(ShadowExchange.Side side) {
    byte[] out = Arrays.copyOf(side.digest(), side.digest().length + 4);
    int n = side.responses();
    out[out.length - 4] = (byte) (n >>> 24);
    out[out.length - 3] = (byte) (n >>> 16);
    out[out.length - 2] = (byte) (n >>> 8);
    out[out.length - 1] = (byte) n;
    return out;
  }
}
