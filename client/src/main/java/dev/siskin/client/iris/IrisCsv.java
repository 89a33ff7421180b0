package dev.siskin.client.iris;

import dev.siskin.proto.v1.PredictRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Predict requests from a CSV in the format of {@code data/iris.csv}: a header line naming the columns, then one
 * flower a line. The four feature columns are found by name, in any order; other columns (the species) are
 * ignored. Every value goes through {@link IrisFeatures}, so a bad cell gets the same message as on the command
 * line, prefixed with its line number.
 */
public final class IrisCsv {
  private IrisCsv() {}

  /**
   * @param lines the file's lines
   * @throws IllegalArgumentException naming the line and what is wrong with it
   */
  public static List<PredictRequest> parse(List<String> lines) {
    int headerLine = firstNonBlank(lines);
    if (headerLine < 0) {
      throw new IllegalArgumentException("the file is empty; expected a header line "
          + String.join(",", IrisFeatures.NAMES) + ",species and one flower a line");
    }
    List<String> columns = cells(lines.get(headerLine));
    int[] index = new int[IrisFeatures.NAMES.size()];
    for (int f = 0; f < index.length; f++) {
      index[f] = columns.indexOf(IrisFeatures.NAMES.get(f));
      if (index[f] < 0) {
        throw new IllegalArgumentException("line " + (headerLine + 1) + ": the header has no column "
            + IrisFeatures.NAMES.get(f) + "; expected a header naming " + String.join(",", IrisFeatures.NAMES));
      }
    }
    List<PredictRequest> requests = new ArrayList<>();
    for (int n = headerLine + 1; n < lines.size(); n++) {
      if (lines.get(n).isBlank()) {
        continue;
      }
      List<String> row = cells(lines.get(n));
      if (row.size() != columns.size()) {
        throw new IllegalArgumentException("line " + (n + 1) + ": " + row.size() + " columns, the header has "
            + columns.size());
      }
      List<String> values = new ArrayList<>();
      for (int i : index) {
        values.add(row.get(i));
      }
      try {
        requests.add(IrisFeatures.fromPositional(values));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("line " + (n + 1) + ": " + e.getMessage());
      }
    }
    if (requests.isEmpty()) {
      throw new IllegalArgumentException("no flower after the header line");
    }
    return List.copyOf(requests);
  }

  private static int firstNonBlank(List<String> lines) {
    for (int n = 0; n < lines.size(); n++) {
      if (!lines.get(n).isBlank()) {
        return n;
      }
    }
    return -1;
  }

  private static List<String> cells(String line) {
    return Arrays.stream(line.split(",", -1)).map(String::strip).toList();
  }
}
