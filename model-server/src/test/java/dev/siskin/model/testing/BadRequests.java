package dev.siskin.model.testing;

import static dev.siskin.model.testing.IrisRows.feature;
import static dev.siskin.model.testing.IrisRows.request;

import dev.siskin.proto.v1.PredictRequest;
import java.util.List;

/**
 * One request per kind of bad input, with the text the INVALID_ARGUMENT message must contain (the offending
 * feature) and the metric reason it is counted under. Shared by the in-process and the real-jar tests.
 */
public final class BadRequests {
    public record Case(String kind, PredictRequest request, String namedInMessage, String expectedInMessage,
            String reason) {
        @Override
        public String toString() {
            return kind;
        }
    }

    private BadRequests() {}

    public static List<Case> all() {
        return List.of(
                new Case("missing", request(feature("sepal_length", 5.1), feature("sepal_width", 3.5),
                        feature("petal_length", 1.4)), "'petal_width'", "expected all of", "missing"),
                new Case("repeated", request(feature("sepal_length", 5.1), feature("sepal_width", 3.5),
                        feature("petal_length", 1.4), feature("petal_width", 0.2), feature("sepal_width", 3.0)),
                        "'sepal_width'", "exactly once", "repeated"),
                new Case("unknown", request(feature("sepal_length", 5.1), feature("sepal_width", 3.5),
                        feature("petal_length", 1.4), feature("petal_width", 0.2), feature("stem_length", 9)),
                        "'stem_length'", "expected one of", "unknown"),
                new Case("empty name", request(feature("sepal_length", 5.1), feature("", 3.5),
                        feature("petal_length", 1.4), feature("petal_width", 0.2)),
                        "feature #2 has an empty name", "expected one of", "empty_name"),
                new Case("NaN", request(feature("sepal_length", 5.1), feature("sepal_width", 3.5),
                        feature("petal_length", Double.NaN), feature("petal_width", 0.2)),
                        "'petal_length' is NaN", "finite number", "not_a_number"),
                new Case("infinite", request(feature("sepal_length", Double.POSITIVE_INFINITY),
                        feature("sepal_width", 3.5), feature("petal_length", 1.4), feature("petal_width", 0.2)),
                        "'sepal_length' is Infinity", "finite number", "infinite"),
                new Case("negative infinite", request(feature("sepal_length", 5.1), feature("sepal_width", 3.5),
                        feature("petal_length", 1.4), feature("petal_width", Double.NEGATIVE_INFINITY)),
                        "'petal_width' is -Infinity", "finite number", "infinite"),
                new Case("negative", request(feature("sepal_length", -5.1), feature("sepal_width", 3.5),
                        feature("petal_length", 1.4), feature("petal_width", 0.2)),
                        "'sepal_length' is -5.1", "greater than 0", "not_positive"),
                new Case("zero", request(feature("sepal_length", 5.1), feature("sepal_width", 3.5),
                        feature("petal_length", 1.4), feature("petal_width", 0)),
                        "'petal_width' is 0.0", "greater than 0", "not_positive"));
    }
}
