package dev.siskin.router.proxy;

import io.grpc.Status;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts retries by the backend whose attempt failed and the status it failed with, and the retries that
 * were wanted but not made, by reason. Kept by backend name for the life of the process, so Prometheus
 * counters never go back when a reload removes a backend. Thread-safe; recording is lock-free after the
 * first time a (backend, code) pair is seen.
 */
public final class RetryStats {
  /** Why a retryable failure was not retried. */
  public enum Skipped {
    /** The retry budget was used up. */
    BUDGET,
    /** The call's request messages passed {@code router.retry.buffer-limit}. */
    BUFFER_LIMIT;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  private final ConcurrentHashMap<String, ConcurrentHashMap<Status.Code, LongAdder>> retries = new ConcurrentHashMap<>();
  private final Map<Skipped, LongAdder> skipped = Map.of(Skipped.BUDGET, new LongAdder(),
      Skipped.BUFFER_LIMIT, new LongAdder());

  public void retried(String backend, Status.Code code) {
    retries.computeIfAbsent(backend, b -> new ConcurrentHashMap<>())
        .computeIfAbsent(code, c -> new LongAdder())
        .increment();
  }

  public void skipped(Skipped reason) {
    skipped.get(reason).increment();
  }

  /** Retries by failed backend, then by the status code that caused them (code names, sorted). */
  public Map<String, Map<String, Long>> retriesByBackend() {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    retries.forEach((backend, byCode) -> {
      Map<String, Long> codes = new TreeMap<>();
      byCode.forEach((code, n) -> codes.put(code.name(), n.sum()));
      out.put(backend, codes);
    });
    return out;
  }

  /** Retries of calls that failed at {@code backend}, all codes. */
  public long retriesFrom(String backend) {
    var byCode = retries.get(backend);
    return byCode == null ? 0 : byCode.values().stream().mapToLong(LongAdder::sum).sum();
  }

  public long skippedTotal(Skipped reason) {
    return skipped.get(reason).sum();
  }
}
