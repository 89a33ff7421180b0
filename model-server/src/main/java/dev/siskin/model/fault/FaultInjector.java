package dev.siskin.model.fault;

import io.grpc.Status;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;

/**
 * Draws the {@link Fault} of each Predict call from {@link FaultSettings}. Thread-safe: {@link Random} is; with a
 * seed, the sequence of draws is repeatable (their assignment to concurrent calls follows arrival order).
 *
 * <p>Per call, in this order and only for the faults that are on: the latency, whether it fails
 * (FAULT_ERROR_RATE), and, when it does not fail, whether its answer gets another species (FAULT_WRONG_RATE, then
 * one more draw picks the species). So FAULT_WRONG_RATE is the share of the <em>answered</em> calls that get a
 * wrong species, and a seeded run without a wrong rate draws exactly what it drew before that setting existed.
 */
public final class FaultInjector {
    public static final FaultInjector DISABLED = new FaultInjector(
            new FaultSettings(LatencyDistribution.NONE, 0, Status.Code.UNAVAILABLE, 0, OptionalLong.empty()));

    private final FaultSettings settings;
    private final Random random;
    private final Status errorStatus;

    public FaultInjector(FaultSettings settings) {
        this.settings = settings;
        this.random = settings.seed().isPresent() ? new Random(settings.seed().getAsLong()) : new Random();
        this.errorStatus = Status.fromCode(settings.errorCode())
                .withDescription("fault injected by the model server (FAULT_ERROR_RATE=" + settings.errorRate() + ")");
    }

    public boolean enabled() {
        return settings.enabled();
    }

    public Fault next() {
        if (!settings.enabled()) {
            return Fault.NONE;
        }
        long delayNanos = settings.latency().isNone()
                ? 0
                : Math.round(settings.latency().millisAt(random.nextDouble()) * 1_000_000);
        boolean fail = settings.errorRate() > 0 && random.nextDouble() < settings.errorRate();
        if (fail) {
            return new Fault(delayNanos, Optional.of(errorStatus), Optional.empty());
        }
        boolean wrong = settings.wrongRate() > 0 && random.nextDouble() < settings.wrongRate();
        return new Fault(delayNanos, Optional.empty(),
                wrong ? Optional.of(new WrongAnswer(random.nextDouble())) : Optional.empty());
    }

    public FaultSettings settings() {
        return settings;
    }
}
