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
  private final AtomicLong completed = new AtomicLong();
  // First failure's text, so that the report can show one real example of what went wrong.
  private volatile String firstFailure;

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

  DistributionResult snapshot(int sent, Duration elapsed) {
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
    return new DistributionResult(sent, versions, failures, failedBackends, firstFailure, elapsed);
  }
}
