package dev.siskin.client.iris;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.siskin.proto.v1.Feature;
import dev.siskin.proto.v1.PredictRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

class IrisCsvTest {
  private static List<Double> values(PredictRequest r) {
    return r.getFeaturesList().stream().map(Feature::getValue).toList();
  }

  @Test
  void readsTheRowsOfTheIrisFormatByColumnName() {
    List<PredictRequest> rows = IrisCsv.parse(List.of(
        "sepal_length,sepal_width,petal_length,petal_width,species",
        "5.1,3.5,1.4,0.2,setosa",
        "",
        "6.7, 3.0, 5.2, 2.3, virginica"));
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).getFeaturesList()).extracting(Feature::getName)
        .containsExactlyElementsOf(IrisFeatures.NAMES);
    assertThat(values(rows.get(0))).containsExactly(5.1, 3.5, 1.4, 0.2);
    assertThat(values(rows.get(1))).containsExactly(6.7, 3.0, 5.2, 2.3);
  }

  @Test
  void columnsMayComeInAnyOrder() {
    List<PredictRequest> rows = IrisCsv.parse(List.of("species,petal_width,petal_length,sepal_width,sepal_length",
        "setosa,0.2,1.4,3.5,5.1"));
    assertThat(values(rows.get(0))).containsExactly(5.1, 3.5, 1.4, 0.2);
  }

  @Test
  void badFilesNameTheLineAndTheProblem() {
    assertThatThrownBy(() -> IrisCsv.parse(List.of())).hasMessageStartingWith("the file is empty");
    assertThatThrownBy(() -> IrisCsv.parse(List.of("a,b,c,d", "1,2,3,4")))
        .hasMessage("line 1: the header has no column sepal_length; expected a header naming "
            + "sepal_length,sepal_width,petal_length,petal_width");
    assertThatThrownBy(() -> IrisCsv.parse(List.of("sepal_length,sepal_width,petal_length,petal_width",
        "5.1,3.5,1.4,0.2", "5.1,x,1.4,0.2")))
        .hasMessage("line 3: feature 'sepal_width': 'x' is not a number (expected cm, e.g. 5.1)");
    assertThatThrownBy(() -> IrisCsv.parse(List.of("sepal_length,sepal_width,petal_length,petal_width", "5.1,3.5")))
        .hasMessage("line 2: 2 columns, the header has 4");
    assertThatThrownBy(() -> IrisCsv.parse(List.of("sepal_length,sepal_width,petal_length,petal_width")))
        .hasMessage("no flower after the header line");
  }
}
