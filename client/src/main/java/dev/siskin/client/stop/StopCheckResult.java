package dev.siskin.client.stop;

import io.grpc.Status;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a {@link StopCheckRun} saw. Immutable.
 *
 * @param sent           calls started
 * @param succeeded      calls that ended OK
 * @param refused        calls that never reached the target: its port refused the connection (it had stopped)
 * @param failedByCode   every other call that did not end OK, by status code: the target had taken it, or
 *                       the connection broke under it
 * @param firstFailure   one failed call's status text, null when none failed
 * @param elapsed        wall time of the run
 * @param targetStopped  true when a connection was refused before the run's bounds (calls, time) ran out
 */
public record StopCheckResult(
    long sent,
    long succeeded,
    long refused,
    Map<Status.Code, Long> failedByCode,
    String firstFailure,
    Duration elapsed,
    boolean targetStopped) {

  public StopCheckResult {
    failedByCode = Collections.unmodifiableMap(new TreeMap<>(failedByCode));
  }

  public long failed() {
    return failedByCode.values().stream().mapToLong(Long::longValue).sum();
  }
}
