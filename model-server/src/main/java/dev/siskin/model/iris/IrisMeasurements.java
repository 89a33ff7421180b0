package dev.siskin.model.iris;

import org.tribuo.Example;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.impl.ArrayExample;

/** One flower's four measurements in cm (in a Predict request: already checked to be finite and positive). */
public record IrisMeasurements(double sepalLength, double sepalWidth, double petalLength, double petalWidth) {

    /** The four values in {@link Iris#FEATURES} order; a new array each call. */
    public double[] values() {
        return new double[] {sepalLength, sepalWidth, petalLength, petalWidth};
    }

    /** Builds the Tribuo example, with an unknown label, that a model predicts from. */
    public Example<Label> toExample() {
        return new ArrayExample<>(LabelFactory.UNKNOWN_LABEL, Iris.FEATURES.toArray(String[]::new), values());
    }
}
