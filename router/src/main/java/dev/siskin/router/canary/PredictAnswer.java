package dev.siskin.router.canary;

import dev.siskin.proto.v1.PredictResponse;
import java.util.Optional;

/**
 * The parts of one {@code mlservice.v1.PredictResponse} the comparison uses.
 *
 * @param prediction   the class answered, never empty
 * @param confidence   the answer's probability of {@code prediction}, in [0, 1]
 * @param modelVersion the version the backend says it served, possibly empty
 */
public record PredictAnswer(String prediction, double confidence, String modelVersion) {

  /**
   * Decodes a Predict response message as the backend sent it. Empty when the bytes are not a
   * {@code PredictResponse}, or are one that no model server would send: no prediction, or a confidence that is
   * not a number in [0, 1]. (Protobuf parses many byte strings, the empty one included, into a message with
   * default fields, so parsing alone does not tell an answer from garbage.) Never throws.
   *
   * @param message the response message bytes; null when the call ended without one
   */
  public static Optional<PredictAnswer> decode(byte[] message) {
    return Protos.parse(PredictResponse.parser(), message)
        .filter(r -> !r.getPrediction().isEmpty() && r.getConfidence() >= 0 && r.getConfidence() <= 1)
        .map(r -> new PredictAnswer(r.getPrediction(), r.getConfidence(), r.getModelVersion()));
  }

  /** This answer with its strings cut to {@code maxChars}, for keeping it where memory is bounded. */
  PredictAnswer truncated(int maxChars) {
    return new PredictAnswer(Text.truncate(prediction, maxChars), confidence, Text.truncate(modelVersion, maxChars));
  }
}
