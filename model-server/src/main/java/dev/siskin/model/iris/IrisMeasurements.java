package dev.siskin.model.iris;

import org.tribuo.Example;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.impl.ArrayExample;

/** One flower's four measurements in cm, already checked to be finite. */
public record IrisMeasurements(double sepalLength, double sepalWidth, double petalLength, double petalWidth) {

    /** Builds the Tribuo example, with an unknown label, that a model predicts from. */
    public Example<Label> toExample() {
        String[] names = Iris.FEATURES.toArray(String[]::new);
        double[] values = {sepalLength, sepalWidth, petalLength, petalWidth};
        return new ArrayExample<>(LabelFactory.UNKNOWN_LABEL, names, values);
    }
}
