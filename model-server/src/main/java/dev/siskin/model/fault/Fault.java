package dev.siskin.model.fault;

import io.grpc.Status;
import java.util.Optional;

/**
 * What fault injection does to one call: delay it, fail it instead of answering, or answer it with another
 * species than the model's.
 *
 * @param delayNanos added latency before the call is handled
 * @param error the status to fail with; empty = answer normally
 * @param wrongAnswer present when the call, if answered, gets another species than the model's; never present
 *                    together with {@code error}
 */
public record Fault(long delayNanos, Optional<Status> error, Optional<WrongAnswer> wrongAnswer) {
    public static final Fault NONE = new Fault(0, Optional.empty(), Optional.empty());
}
