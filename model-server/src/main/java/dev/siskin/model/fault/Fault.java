package dev.siskin.model.fault;

import io.grpc.Status;
import java.util.Optional;

/**
 * What fault injection does to one call: delay it, and/or fail it instead of answering.
 *
 * @param delayNanos added latency before the call is handled
 * @param error the status to fail with; empty = answer normally
 */
public record Fault(long delayNanos, Optional<Status> error) {
    public static final Fault NONE = new Fault(0, Optional.empty());
}
