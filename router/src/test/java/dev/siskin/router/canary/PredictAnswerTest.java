package dev.siskin.router.canary;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.proto.v1.PredictRequest;
import dev.siskin.proto.v1.PredictResponse;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PredictAnswerTest {

  @Test
  void decodesAModelServersAnswer() {
    assertThat(PredictAnswer.decode(Messages.v2("virginica", 0.97)))
        .contains(new PredictAnswer("virginica", 0.97, "v2.0.0"));
    assertThat(PredictAnswer.decode(Messages.answer("setosa", 0, ""))).contains(new PredictAnswer("setosa", 0, ""));
    assertThat(PredictAnswer.decode(Messages.answer("setosa", 1, ""))).contains(new PredictAnswer("setosa", 1, ""));
  }

  @Test
  void garbageNeverThrowsAndIsNoAnswer() {
    Random random = new Random(3);
    for (int i = 0; i < 1_000; i++) {
      assertThat(PredictAnswer.decode(Messages.garbage(random, 1 + random.nextInt(200)))).isEmpty();
    }
    assertThat(PredictAnswer.decode(null)).isEmpty();
    // The empty message parses (every field at its default): no prediction, so no answer.
    assertThat(PredictAnswer.decode(new byte[0])).isEmpty();
    // A truncated answer.
    byte[] whole = Messages.v1("versicolor", 0.8);
    assertThat(PredictAnswer.decode(java.util.Arrays.copyOf(whole, whole.length - 3))).isEmpty();
  }

  @Test
  void answersNoModelServerWouldGiveAreRefused() {
    for (double confidence : new double[] {-0.01, 1.01, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThat(PredictAnswer.decode(Messages.v1("setosa", confidence))).as("confidence %s", confidence).isEmpty();
    }
    assertThat(PredictAnswer.decode(PredictResponse.newBuilder().setConfidence(0.5).build().toByteArray())).isEmpty();
  }

  @Test
  void truncatedCopyCutsLongStrings() {
    PredictAnswer long_ = new PredictAnswer("x".repeat(10_000), 0.5, "v".repeat(100));
    PredictAnswer cut = long_.truncated(64);
    assertThat(cut.prediction()).hasSize(65).endsWith("…");
    assertThat(cut.modelVersion()).hasSize(65);
    assertThat(cut.confidence()).isEqualTo(0.5);
    PredictAnswer normal = new PredictAnswer("setosa", 1, "v1.0.0");
    assertThat(normal.truncated(64)).isEqualTo(normal);
  }

  @Test
  void featuresOfARequestInTheOrderSent() {
    assertThat(FeatureValue.fromRequest(Messages.request(5.1, 3.5, 1.4, 0.2))).containsExactly(
        new FeatureValue("sepal_length", 5.1), new FeatureValue("sepal_width", 3.5),
        new FeatureValue("petal_length", 1.4), new FeatureValue("petal_width", 0.2));
  }

  @Test
  void featuresAreBoundedInNumberAndNameLength() {
    PredictRequest.Builder huge = PredictRequest.newBuilder();
    for (int i = 0; i < 1_000; i++) {
      huge.addFeatures(Messages.feature("f" + i + "_" + "n".repeat(200), i));
    }
    List<FeatureValue> kept = FeatureValue.fromRequest(huge.build().toByteArray());
    assertThat(kept).hasSize(FeatureValue.MAX_FEATURES);
    assertThat(kept.get(15).value()).isEqualTo(15);
    assertThat(kept).allSatisfy(f -> assertThat(f.name()).hasSize(FeatureValue.MAX_NAME_CHARS + 1));
  }

  @Test
  void aRequestThatDoesNotParseHasNoFeatures() {
    assertThat(FeatureValue.fromRequest(Messages.garbage(new Random(1), 50))).isEmpty();
    assertThat(FeatureValue.fromRequest(null)).isEmpty();
  }
}
