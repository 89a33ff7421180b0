package dev.siskin.model.predict;

import java.util.Locale;

/** A Predict request whose features are not exactly the four Iris measurements, each finite and above 0 cm. */
public final class InvalidFeatureException extends Exception {

    /** What was wrong; also the {@code reason} label of the validation-failure metric. */
    public enum Reason {
        MISSING, REPEATED, UNKNOWN, EMPTY_NAME, NOT_A_NUMBER, INFINITE, NOT_POSITIVE;

        /** Lower-case form used in metrics, e.g. {@code empty_name}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;

    InvalidFeatureException(Reason reason, String message) {
        super(message, null, false, false); // an expected outcome: no stack trace to fill
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
