package dev.siskin.client.iris;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.siskin.proto.v1.Feature;
import dev.siskin.proto.v1.PredictRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

class IrisFeaturesTest {
  private static List<String> pairs(PredictRequest r) {
    return r.getFeaturesList().stream().map((Feature f) -> f.getName() + "=" + f.getValue()).toList();
  }

  @Test
  void positionalValuesTakeTheWireNamesInOrder() {
    assertThat(pairs(IrisFeatures.fromPositional(List.of("5.1", "3.5", "1.4", "0.2"))))
        .containsExactly("sepal_length=5.1", "sepal_width=3.5", "petal_length=1.4", "petal_width=0.2");
    assertThat(IrisFeatures.sample()).isEqualTo(IrisFeatures.fromPositional(List.of("5.1", "3.5", "1.4", "0.2")));
  }

  @Test
  void namedValuesInAnyOrder() {
    assertThat(pairs(IrisFeatures.fromNamed(List.of("petal_width=2.3", "sepal_length=6.7", "petal_length=5.2",
        "sepal_width=3")))).containsExactly("petal_width=2.3", "sepal_length=6.7", "petal_length=5.2", "sepal_width=3.0");
  }

  @Test
  void badInputNamesTheFeature() {
    assertThatThrownBy(() -> IrisFeatures.fromPositional(List.of("5.1", "x", "1", "1")))
        .hasMessage("feature 'sepal_width': 'x' is not a number (expected cm, e.g. 5.1)");
    assertThatThrownBy(() -> IrisFeatures.fromPositional(List.of("5.1", "1", "1")))
        .hasMessageStartingWith("expected 4 values (sepal_length sepal_width petal_length petal_width), got 3");
    assertThatThrownBy(() -> IrisFeatures.fromPositional(List.of("1", "1", "1", "Infinity")))
        .hasMessage("feature 'petal_width': 'Infinity' is not a finite number");
    assertThatThrownBy(() -> IrisFeatures.fromNamed(List.of("sepal_length=1", "sepal_length=2")))
        .hasMessage("feature 'sepal_length' is given twice; give each feature once");
    assertThatThrownBy(() -> IrisFeatures.fromNamed(List.of("sepal_length=1")))
        .hasMessageStartingWith("missing feature(s) [sepal_width, petal_length, petal_width]");
    assertThatThrownBy(() -> IrisFeatures.fromNamed(List.of("petal=1")))
        .hasMessageStartingWith("feature 'petal' is unknown; expected one of [sepal_length");
    assertThatThrownBy(() -> IrisFeatures.fromNamed(List.of("5.1")))
        .hasMessage("feature '5.1': expected NAME=VALUE such as sepal_length=5.1");
  }
}
