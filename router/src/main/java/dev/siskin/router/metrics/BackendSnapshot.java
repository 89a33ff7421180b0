package dev.siskin.router.metrics;

import dev.siskin.router.observe.RouteCause;
import io.grpc.Status;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * What one backend has served since the router started, read at one moment. Immutable.
 *
 * @param name              backend name; {@code "-"} for calls the router answered itself
 * @param inFlight          calls started and not yet finished (always 0 for {@code "-"})
 * @param callsTotal        finished calls
 * @param callsByStatus     finished calls by final gRPC status; only codes seen, in code order
 * @param callsByRoute      finished calls by the routing rule that chose the backend; only causes seen
 * @param bytesIn           request message bytes received from clients
 * @param bytesOut          response message bytes sent to clients
 * @param latencyLastMinute latency of the calls that finished in the last minute
 * @param latencySinceStart latency of all finished calls
 */
public record BackendSnapshot(
    String name,
    long inFlight,
    long callsTotal,
    Map<Status.Code, Long> callsByStatus,
    Map<RouteCause, Long> callsByRoute,
    long bytesIn,
    long bytesOut,
    LatencyPercentiles latencyLastMinute,
    LatencyPercentiles latencySinceStart) {
  public BackendSnapshot {
    EnumMap<Status.Code, Long> inCodeOrder = new EnumMap<>(Status.Code.class);
    inCodeOrder.putAll(callsByStatus);
    callsByStatus = Collections.unmodifiableMap(inCodeOrder);
    EnumMap<RouteCause, Long> inRuleOrder = new EnumMap<>(RouteCause.class);
    inRuleOrder.putAll(callsByRoute);
    callsByRoute = Collections.unmodifiableMap(inRuleOrder);
  }

  /** A snapshot without counts by routing rule. */
  public BackendSnapshot(String name, long inFlight, long callsTotal, Map<Status.Code, Long> callsByStatus,
      long bytesIn, long bytesOut, LatencyPercentiles latencyLastMinute, LatencyPercentiles latencySinceStart) {
    this(name, inFlight, callsTotal, callsByStatus, Map.of(), bytesIn, bytesOut, latencyLastMinute,
        latencySinceStart);
  }

  /** An empty snapshot, for a configured backend that has not served a call yet. */
  public static BackendSnapshot empty(String name) {
    return new BackendSnapshot(name, 0, 0, Map.of(), 0, 0, LatencyPercentiles.EMPTY, LatencyPercentiles.EMPTY);
  }
}
