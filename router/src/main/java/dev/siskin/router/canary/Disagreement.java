package dev.siskin.router.canary;

import java.time.Instant;
import java.util.List;

/**
 * One Predict call on which the shadow answered another class than the primary: what was asked, and both answers.
 * Strings are cut to {@link BoundedLabels#MAX_CHARS} so that a kept example has a bounded size.
 *
 * @param at       when the comparison was recorded
 * @param features the request's features (see {@link FeatureValue#fromRequest}); empty if the request did not parse
 * @param primary  the answer the client got
 * @param shadow   the shadow backend's answer
 */
public record Disagreement(Instant at, List<FeatureValue> features, PredictAnswer primary, PredictAnswer shadow) {
  public Disagreement {
    features = List.copyOf(features);
  }
}
