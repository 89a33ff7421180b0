package dev.siskin.router.canary;

import dev.siskin.proto.v1.Feature;
import dev.siskin.proto.v1.PredictRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One feature of a Predict request, as the client sent it.
 *
 * @param name  the feature's name, cut to {@link #MAX_NAME_CHARS}
 * @param value its value (any double the client sent, NaN included)
 */
public record FeatureValue(String name, double value) {
  /** A real Iris request has four; a client may send thousands. */
  static final int MAX_FEATURES = 16;
  static final int MAX_NAME_CHARS = 64;

  /**
   * The features of a Predict request message, at most {@link #MAX_FEATURES} of them in the order sent; empty when
   * the bytes are not a {@code PredictRequest}. Never throws.
   */
  public static List<FeatureValue> fromRequest(byte[] message) {
    Optional<PredictRequest> request = Protos.parse(PredictRequest.parser(), message);
    if (request.isEmpty()) {
      return List.of();
    }
    List<FeatureValue> features = new ArrayList<>();
    for (Feature f : request.get().getFeaturesList()) {
      if (features.size() == MAX_FEATURES) {
        break;
      }
      features.add(new FeatureValue(Text.truncate(f.getName(), MAX_NAME_CHARS), f.getValue()));
    }
    return List.copyOf(features);
  }
}
