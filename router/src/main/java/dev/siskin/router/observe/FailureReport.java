package dev.siskin.router.observe;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The router's failure handling at one moment, for {@code /clusters} and {@code /metrics}: each backend's
 * health, whether routing is in panic mode, and what retries did. Immutable.
 *
 * @param panic              no backend with a positive weight is healthy: calls go to all by weight
 * @param backends           the configured backends in config order
 * @param retriesByBackend   retries by the backend whose attempt failed, then by status code name
 * @param retriesInProgress  retries currently holding the retry budget
 * @param budgetExhausted    retries refused by the budget since start
 * @param bufferLimitSkipped calls not retryable because their request passed the buffer limit, since start
 */
public record FailureReport(boolean panic, List<BackendHealth> backends, Map<String, Map<String, Long>> retriesByBackend,
    int retriesInProgress, long budgetExhausted, long bufferLimitSkipped) {
  /** Nothing known (yet). */
  public static final FailureReport EMPTY = new FailureReport(false, List.of(), Map.of(), 0, 0, 0);

  public FailureReport {
    backends = List.copyOf(backends);
    retriesByBackend = Map.copyOf(retriesByBackend);
  }

  /**
   * One backend's health.
   *
   * @param state          {@code unknown}, {@code healthy}, {@code unhealthy} or {@code ejected}
   * @param reason         why; empty when healthy
   * @param since          when the state began
   * @param ejectedUntil   end of the current ejection, or null
   * @param ejectionsTotal ejections since the backend was (re)created
   * @param maxInFlight    its cap on calls in flight (0 = none)
   */
  public record BackendHealth(String name, String state, boolean routable, String reason, Instant since,
      Instant ejectedUntil, long ejectionsTotal, int maxInFlight) {
    public BackendHealth {
      requireNonNull(name, "name");
      requireNonNull(state, "state");
      requireNonNull(reason, "reason");
      requireNonNull(since, "since");
    }
  }
}
