package dev.siskin.router.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.proto.v1.PredictRequest;
import dev.siskin.router.testing.RepoPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** The 150 rows of data/iris.csv as Predict requests, in file order. */
final class IrisRows {
  private IrisRows() {}

  static List<PredictRequest> all() throws IOException {
    List<PredictRequest> rows = new ArrayList<>();
    for (String line : Files.readAllLines(RepoPaths.repoRoot().resolve("data/iris.csv"))) {
      if (line.isBlank() || line.startsWith("sepal_length")) {
        continue;
      }
      String[] f = line.split(",");
      rows.add(PredictClient.request(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
          Double.parseDouble(f[3])));
    }
    assertThat(rows).hasSize(150);
    return rows;
  }
}
