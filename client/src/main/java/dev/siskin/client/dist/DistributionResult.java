package dev.siskin.client.dist;

import io.grpc.Status;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What N Predict calls observed. Immutable.
 *
 * @param sent              calls sent
 * @param versionsByBackend successful calls: backend name ({@code x-canary-backend}, "-" when absent) to
 *                          model_version to count
 * @param failuresByCode    failed calls by gRPC status code
 * @param failuresByBackend failed calls by backend name ("-" when the router named none)
 * @param firstFailure      one failed call's status text, null when none failed
 * @param elapsed           wall time of the whole run
 * @param keys              where the sticky keys were served; null when the calls carried none
 */
public record DistributionResult(
    int sent,
    Map<String, Map<String, Long>> versionsByBackend,
    Map<Status.Code, Long> failuresByCode,
    Map<String, Long> failuresByBackend,
    String firstFailure,
    Duration elapsed,
    KeyPlacement keys) {

  public DistributionResult {
    Map<String, Map<String, Long>> copy = new TreeMap<>();
    versionsByBackend.forEach((b, v) -> copy.put(b, Collections.unmodifiableMap(new TreeMap<>(v))));
    versionsByBackend = Collections.unmodifiableMap(copy);
    failuresByCode = Collections.unmodifiableMap(new TreeMap<>(failuresByCode));
    failuresByBackend = Collections.unmodifiableMap(new TreeMap<>(failuresByBackend));
  }

  /** A result of calls without sticky keys. */
  public DistributionResult(int sent, Map<String, Map<String, Long>> versionsByBackend,
      Map<Status.Code, Long> failuresByCode, Map<String, Long> failuresByBackend, String firstFailure,
      Duration elapsed) {
    this(sent, versionsByBackend, failuresByCode, failuresByBackend, firstFailure, elapsed, null);
  }

  public long succeeded() {
    return byBackend().values().stream().mapToLong(Long::longValue).sum();
  }

  public long failed() {
    return failuresByCode.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Successful calls per backend, sorted by name. */
  public Map<String, Long> byBackend() {
    Map<String, Long> out = new TreeMap<>();
    versionsByBackend.forEach((b, v) -> out.put(b, v.values().stream().mapToLong(Long::longValue).sum()));
    return out;
  }

  /** Successful calls per model_version, sorted. */
  public Map<String, Long> byVersion() {
    Map<String, Long> out = new TreeMap<>();
    versionsByBackend.values().forEach(v -> v.forEach((version, n) -> out.merge(version, n, Long::sum)));
    return out;
  }

  /** True when every call failed with UNAVAILABLE: nothing answered at the target. */
  public boolean unreachable() {
    return succeeded() == 0 && failed() > 0 && failuresByCode.keySet().equals(Set.of(Status.Code.UNAVAILABLE));
  }
}
