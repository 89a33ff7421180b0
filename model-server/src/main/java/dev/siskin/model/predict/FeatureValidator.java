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
 * Checks the features of a Predict request: the four Iris features, each exactly once, in any order, each a finite
 * length greater than 0 cm. The first problem found is reported, naming the feature and what is expected.
 * Stateless and thread-safe.
 *
 * <p>Zero is refused with the negatives: no part of a flower is 0 cm long, and in proto3 a feature sent without
 * its value reads as 0, so accepting 0 would answer a request that forgot a value as if it had been measured.
 */
public final class FeatureValidator {
    private static final String ALL_NAMES = String.join(", ", Iris.FEATURES);
    private static final String ZERO_HINT = "; a feature sent without a value reads as 0";

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
            if (value <= 0) {
                throw new InvalidFeatureException(Reason.NOT_POSITIVE, "feature '" + name + "' is " + value
                        + " (expected: a length in cm greater than 0" + (value == 0 ? ZERO_HINT : "") + ")");
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
