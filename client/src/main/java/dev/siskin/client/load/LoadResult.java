package dev.siskin.client.load;

import io.grpc.Status;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What an open-loop run did. Immutable.
 *
 * @param target          where the calls went
 * @param schedule        the rate and duration asked for
 * @param maxInFlight     the cap on calls in flight
 * @param sent            calls started
 * @param skippedInFlight calls not sent because {@code maxInFlight} calls were in flight at their time
 * @param skippedLate     calls not sent because the sender was too far behind their time ({@link Pacer})
 * @param unfinished      sent calls still in flight when the run stopped waiting for them
 * @param sending         from the start until sending stopped (the duration, or until the stop signal)
 * @param stoppedBy       the signal that ended the run early (e.g. SIGINT); null when it ran its duration
 * @param counts          finished calls by backend ({@code x-canary-backend}, "-" when absent) and status code
 * @param latency         of the OK calls; null when none
 * @param firstFailure    the status of one failed call; null when none failed
 */
public record LoadResult(String target, LoadSchedule schedule, int maxInFlight, long sent, long skippedInFlight,
    long skippedLate, long unfinished, Duration sending, String stoppedBy, Map<String, Map<Status.Code, Long>> counts,
    Latency latency, Status firstFailure) {

  /** Latency percentiles in milliseconds. */
  public record Latency(double p50Millis, double p99Millis, double maxMillis) {}

  public LoadResult {
    Map<String, Map<Status.Code, Long>> copy = new TreeMap<>();
    counts.forEach((backend, byCode) -> copy.put(backend, Collections.unmodifiableMap(new EnumMap<>(byCode))));
    counts = Collections.unmodifiableMap(copy);
  }

  /** Calls that finished OK. */
  public long answered() {
    return byCode().getOrDefault(Status.Code.OK, 0L);
  }

  /** Calls that finished with another status than OK. */
  public long failed() {
    return finished() - answered();
  }

  public long finished() {
    return byCode().values().stream().mapToLong(Long::longValue).sum();
  }

  /** Finished calls by status code, over all backends. */
  public Map<Status.Code, Long> byCode() {
    Map<Status.Code, Long> total = new EnumMap<>(Status.Code.class);
    counts.values().forEach(byCode -> byCode.forEach((code, n) -> total.merge(code, n, Long::sum)));
    return total;
  }

  /** The status codes seen, in gRPC's order (OK first). */
  public Set<Status.Code> codes() {
    return new TreeSet<>(byCode().keySet());
  }

  /** Calls sent per second of sending. */
  public double achievedRate() {
    double seconds = sending.toNanos() / 1e9;
    return seconds > 0 ? sent / seconds : 0;
  }
}
