package dev.siskin.client.load;

import dev.siskin.proto.v1.PredictRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** The requests a load run sends: call {@code i} sends row {@code i mod rows}, in file order or shuffled. Immutable. */
public final class RowCycle {
  private final List<PredictRequest> rows;

  private RowCycle(List<PredictRequest> rows) {
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("rows: none (expected: at least one request)");
    }
    this.rows = List.copyOf(rows);
  }

  /** The rows in the order given. */
  public static RowCycle inOrder(List<PredictRequest> rows) {
    return new RowCycle(rows);
  }

  /** The rows shuffled once with {@code seed}: the same seed gives the same order on every run. */
  public static RowCycle shuffled(List<PredictRequest> rows, long seed) {
    List<PredictRequest> copy = new ArrayList<>(rows);
    Collections.shuffle(copy, new Random(seed));
    return new RowCycle(copy);
  }

  public PredictRequest request(long call) {
    return rows.get((int) Math.floorMod(call, (long) rows.size()));
  }

  public int size() {
    return rows.size();
  }
}
