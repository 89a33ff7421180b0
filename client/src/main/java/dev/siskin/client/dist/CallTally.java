package dev.siskin.client.dist;

import io.grpc.Status;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts finished calls while they complete on gRPC's threads. Thread-safe: concurrent maps of adders, so that
 * recording never blocks a callback; {@link #snapshot} is taken after all calls completed.
 */
final class CallTally {
  private final Map<String, Map<String, LongAdder>> versionsByBackend = new ConcurrentHashMap<>();
  private final Map<Status.Code, LongAdder> failuresByCode = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> failuresByBackend = new ConcurrentHashMap<>();
  /** By sticky key: calls per backend that served it (successful calls only); empty without keys. */
  private final Map<String, Map<String, LongAdder>> backendsByKey = new ConcurrentHashMap<>();
  private final AtomicLong completed = new AtomicLong();
  // First failure's text, so that the report can show one real example of what went wrong.
  private volatile String firstFailure;

  /** A successful call that carried sticky key {@code key}. */
  void success(String backend, String modelVersion, String key) {
    backendsByKey.computeIfAbsent(key, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(backend, b -> new LongAdder())
        .increment();
    success(backend, modelVersion);
  }

  void success(String backend, String modelVersion) {
    versionsByBackend.computeIfAbsent(backend, b -> new ConcurrentHashMap<>())
        .computeIfAbsent(modelVersion.isEmpty() ? "?" : modelVersion, v -> new LongAdder())
        .increment();
    completed.incrementAndGet();
  }

  void failure(String backend, Status.Code code, String description) {
    failuresByCode.computeIfAbsent(code, c -> new LongAdder()).increment();
    failuresByBackend.computeIfAbsent(backend, b -> new LongAdder()).increment();
    if (firstFailure == null) {
      firstFailure = description;
    }
    completed.incrementAndGet();
  }

  long completed() {
    return completed.get();
  }

  /** Where each key was served; null when the calls carried no keys. */
  private KeyPlacement keys(StickyKeys keys) {
    if (keys == null) {
      return null;
    }
    Map<String, Long> byBackend = new TreeMap<>();
    Map<String, Map<String, Long>> split = new TreeMap<>();
    backendsByKey.forEach((key, backends) -> {
      if (backends.size() == 1) {
        byBackend.merge(backends.keySet().iterator().next(), 1L, Long::sum);
      } else {
        Map<String, Long> calls = new TreeMap<>();
        backends.forEach((backend, n) -> calls.put(backend, n.sum()));
        split.put(key, calls);
      }
    });
    return new KeyPlacement(keys.header().name(), keys.count(), byBackend,
        split.entrySet().stream().limit(KeyPlacement.MAX_EXAMPLES).map(e -> Map.entry(e.getKey(), e.getValue()))
            .toList(), split.size());
  }

  /** @param keys the run's sticky keys, or null */
  DistributionResult snapshot(int sent, Duration elapsed, StickyKeys keys) {
    Map<String, Map<String, Long>> versions = new TreeMap<>();
    versionsByBackend.forEach((backend, byVersion) -> {
      Map<String, Long> counts = new TreeMap<>();
      byVersion.forEach((version, n) -> counts.put(version, n.sum()));
      versions.put(backend, counts);
    });
    Map<Status.Code, Long> failures = new TreeMap<>();
    failuresByCode.forEach((code, n) -> failures.put(code, n.sum()));
    Map<String, Long> failedBackends = new TreeMap<>();
    failuresByBackend.forEach((backend, n) -> failedBackends.put(backend, n.sum()));
    return new DistributionResult(sent, versions, failures, failedBackends, firstFailure, elapsed, keys(keys));
  }
}
