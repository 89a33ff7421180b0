package dev.siskin.router.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts of finished Predict calls: by backend per the x-canary-backend header, by the model_version of
 * the response, by status code; the failed calls themselves (the first 20) and the calls whose header and
 * model version disagree. Thread-safe (all methods synchronized: calls close on several threads).
 */
final class Tally {
  private final Map<String, Integer> byHeader = new TreeMap<>();
  private final Map<String, Integer> byModelVersion = new TreeMap<>();
  private final Map<String, Integer> byStatus = new TreeMap<>();
  private final List<PredictClient.Outcome> failures = new ArrayList<>();
  private int failed;
  private int mismatched;
  private int total;

  synchronized void add(PredictClient.Outcome outcome) {
    total++;
    byHeader.merge(String.valueOf(outcome.backend()), 1, Integer::sum);
    byStatus.merge(outcome.status().getCode().name(), 1, Integer::sum);
    if (!outcome.ok()) {
      failed++;
      if (failures.size() < 20) {
        failures.add(outcome);
      }
      return;
    }
    byModelVersion.merge(outcome.modelVersion(), 1, Integer::sum);
    if (!outcome.modelVersion().startsWith(outcome.backend() + ".")) {
      mismatched++;
    }
  }

  synchronized int total() {
    return total;
  }

  synchronized int failed() {
    return failed;
  }

  /** OK calls whose header (v1) does not match the model version (v1.0.0). */
  synchronized int mismatched() {
    return mismatched;
  }

  synchronized int byHeader(String backend) {
    return byHeader.getOrDefault(backend, 0);
  }

  synchronized int byModelVersion(String version) {
    return byModelVersion.getOrDefault(version, 0);
  }

  synchronized int byStatus(String code) {
    return byStatus.getOrDefault(code, 0);
  }

  synchronized List<PredictClient.Outcome> failures() {
    return List.copyOf(failures);
  }

  /** The counts without the failed calls themselves. */
  synchronized String summary() {
    return "total=" + total + " byHeader=" + byHeader + " byModelVersion=" + byModelVersion + " byStatus="
        + byStatus + " mismatched=" + mismatched;
  }

  @Override
  public synchronized String toString() {
    return summary() + (failures.isEmpty() ? "" : " first failures=" + failures);
  }
}
