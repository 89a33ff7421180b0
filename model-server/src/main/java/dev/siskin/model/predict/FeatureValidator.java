package dev.siskin.model.predict;

import dev.siskin.model.iris.Iris;
import dev.siskin.model.iris.IrisMeasurements;
import dev.siskin.model.predict.InvalidFeatureException.Reason;
import dev.siskin.proto.v1.Feature;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the features of a Predict request: the four Iris features, each exactly once, in any order, finite.
 * The first problem found is reported, naming the feature and what is expected. Stateless and thread-safe.
 */
public final class FeatureValidator {
    private static final String ALL_NAMES = String.join(", ", Iris.FEATURES);

    private FeatureValidator() {}

    public static IrisMeasurements validate(List<Feature> features) throws InvalidFeatureException {
        Map<String, Double> values = new HashMap<>();
        for (int i = 0; i < features.size(); i++) {
            Feature feature = features.get(i);
            String name = feature.getName();
            if (name.isEmpty()) {
                throw new InvalidFeatureException(Reason.EMPTY_NAME, "feature #" + (i + 1) + " has an empty name "
                        + "(expected one of: " + ALL_NAMES + ")");
            }
            if (!Iris.FEATURES.contains(name)) {
                throw new InvalidFeatureException(Reason.UNKNOWN, "unknown feature '" + name + "' (expected one of: "
                        + ALL_NAMES + ")");
            }
            if (values.containsKey(name)) {
                throw new InvalidFeatureException(Reason.REPEATED, "feature '" + name + "' is given more than once "
                        + "(expected: each feature exactly once)");
            }
            double value = feature.getValue();
            if (Double.isNaN(value)) {
                throw new InvalidFeatureException(Reason.NOT_A_NUMBER, "feature '" + name + "' is NaN "
                        + "(expected: a finite number of cm)");
            }
            if (Double.isInfinite(value)) {
                throw new InvalidFeatureException(Reason.INFINITE, "feature '" + name + "' is " + value
                        + " (expected: a finite number of cm)");
            }
            values.put(name, value);
        }
        List<String> missing = new ArrayList<>();
        for (String name : Iris.FEATURES) {
            if (!values.containsKey(name)) {
                missing.add("'" + name + "'");
            }
        }
        if (!missing.isEmpty()) {
            throw new InvalidFeatureException(Reason.MISSING, "missing feature " + String.join(", ", missing)
                    + " (expected all of: " + ALL_NAMES + ")");
        }
        return new IrisMeasurements(values.get("sepal_length"), values.get("sepal_width"),
                values.get("petal_length"), values.get("petal_width"));
    }
}
