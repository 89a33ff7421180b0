package dev.siskin.model.fault;

import dev.siskin.model.config.SettingsException;
import io.grpc.Status;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Fault injection settings (FAULT_* environment variables). Off when latency is none and both rates are 0.
 *
 * @param errorRate share of Predict calls failed on purpose, in [0, 1]
 * @param errorCode status of those failures, never OK
 * @param wrongRate share of answered Predict calls given another species than the model's, in [0, 1]
 * @param seed seed of the random draws; empty = seeded from the clock
 */
public record FaultSettings(
        LatencyDistribution latency, double errorRate, Status.Code errorCode, double wrongRate, OptionalLong seed) {

    public boolean enabled() {
        return !latency.isNone() || errorRate > 0 || wrongRate > 0;
    }

    public static FaultSettings parse(String latency, String errorRate, String errorCode, String wrongRate,
            String seed) throws SettingsException {
        return new FaultSettings(LatencyDistribution.parse(latency),
                rate("FAULT_ERROR_RATE", errorRate, "fails 30 % of Predict calls"),
                code(errorCode),
                rate("FAULT_WRONG_RATE", wrongRate, "gives 30 % of Predict answers another species than the model's"),
                seed(seed));
    }

    private static double rate(String variable, String raw, String example) throws SettingsException {
        try {
            double rate = Double.parseDouble(raw.strip());
            if (rate >= 0 && rate <= 1) {
                return rate;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new SettingsException(variable + "=" + raw + " is not a rate (expected: a number from 0 to 1, "
                + "e.g. 0.3 " + example + ")");
    }

    private static Status.Code code(String raw) throws SettingsException {
        try {
            Status.Code code = Status.Code.valueOf(raw.strip().toUpperCase(Locale.ROOT));
            if (code != Status.Code.OK) {
                return code;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new SettingsException("FAULT_ERROR_CODE=" + raw + " is not an error status (expected: a gRPC status "
                + "code name other than OK, e.g. UNAVAILABLE, INTERNAL, RESOURCE_EXHAUSTED)");
    }

    private static OptionalLong seed(String raw) throws SettingsException {
        if (raw.isBlank()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(raw.strip()));
        } catch (NumberFormatException e) {
            throw new SettingsException("FAULT_SEED=" + raw + " is not a seed (expected: an integer, or unset)");
        }
    }

    @Override
    public String toString() {
        return "latency " + latency + ", error rate " + errorRate + " with " + errorCode
                + ", wrong-answer rate " + wrongRate
                + (seed.isPresent() ? ", seed " + seed.getAsLong() : "");
    }
}
