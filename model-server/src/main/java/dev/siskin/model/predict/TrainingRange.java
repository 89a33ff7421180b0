package dev.siskin.model.predict;

/**
 * The lowest and highest value of one feature in the rows a model was trained on, and the rule for "far outside":
 * a value below {@code min - width} or above {@code max + width}, where {@code width = max - min}. Immutable.
 *
 * <p>Why that rule: a forest's splits lie between training values, so anything beyond the range gets the answer of
 * the outermost leaf whatever its size. Values a little beyond the range are normal (the next flower may be a bit
 * larger than any seen); one that is off by more than the whole spread seen in training is more likely a unit or
 * typing error than a flower, so it is worth counting.
 */
public record TrainingRange(double min, double max) {
    public TrainingRange {
        if (!(Double.isFinite(min) && Double.isFinite(max) && min <= max)) {
            throw new IllegalArgumentException("training range [" + min + ", " + max
                    + "] (expected: finite, min <= max)");
        }
    }

    public double width() {
        return max - min;
    }

    /** The lowest value not counted as far outside: {@code min - width}. */
    public double lowLimit() {
        return min - width();
    }

    /** The highest value not counted as far outside: {@code max + width}. */
    public double highLimit() {
        return max + width();
    }

    public boolean isFarOutside(double value) {
        return value < lowLimit() || value > highLimit();
    }
}
