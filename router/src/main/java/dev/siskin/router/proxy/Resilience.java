package dev.siskin.router.proxy;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.config.FailureSettings;
import io.grpc.Status;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * What the forwarding needs to survive failing backends: the settings in force, where each attempt's result
 * goes (outlier detection), the retry budget and the retry counters. Thread-safe parts only.
 *
 * @param settings read once per call, so a reload applies to the next call
 * @param attempts told how every attempt on a backend ended (call threads; must not block)
 * @param calls    the calls running now (to end a rolled-back canary's streams)
 */
public record Resilience(Supplier<FailureSettings> settings, BiConsumer<Backend, Status.Code> attempts,
    RetryBudget budget, RetryStats retries, CallsInFlight calls) {
  public Resilience {
    requireNonNull(calls, "calls");
    requireNonNull(settings, "settings");
    requireNonNull(attempts, "attempts");
    requireNonNull(budget, "budget");
    requireNonNull(retries, "retries");
  }
}
