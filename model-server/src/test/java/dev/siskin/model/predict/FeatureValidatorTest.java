package dev.siskin.model.predict;

import static dev.siskin.model.testing.IrisRows.feature;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.siskin.model.iris.IrisMeasurements;
import dev.siskin.model.predict.InvalidFeatureException.Reason;
import dev.siskin.proto.v1.Feature;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeatureValidatorTest {
    private static final Feature SL = feature("sepal_length", 5.1);
    private static final Feature SW = feature("sepal_width", 3.5);
    private static final Feature PL = feature("petal_length", 1.4);
    private static final Feature PW = feature("petal_width", 0.2);

    @Test
    void acceptsTheFourFeaturesInAnyOrder() throws Exception {
        assertThat(FeatureValidator.validate(List.of(PW, SL, PL, SW)))
                .isEqualTo(new IrisMeasurements(5.1, 3.5, 1.4, 0.2));
    }

    @Test
    void acceptsTinyAndHugePositiveLengthsTheyAreCountedNotRefused() throws Exception {
        assertThat(FeatureValidator.validate(
                        List.of(feature("sepal_length", 1e-9), SW, PL, feature("petal_width", 1e6))))
                .isEqualTo(new IrisMeasurements(1e-9, 3.5, 1.4, 1e6));
    }

    @Test
    void negativeLengthIsNamed() {
        assertThatThrownBy(() -> FeatureValidator.validate(List.of(feature("sepal_length", -5.1), SW, PL, PW)))
                .hasMessage("feature 'sepal_length' is -5.1 (expected: a length in cm greater than 0)")
                .extracting(e -> ((InvalidFeatureException) e).reason()).isEqualTo(Reason.NOT_POSITIVE);
    }

    @Test
    void zeroLengthIsNamedAndHintsAtAValueLeftOut() {
        assertThatThrownBy(() -> FeatureValidator.validate(List.of(SL, SW, PL, feature("petal_width", 0))))
                .hasMessage("feature 'petal_width' is 0.0 (expected: a length in cm greater than 0; "
                        + "a feature sent without a value reads as 0)")
                .extracting(e -> ((InvalidFeatureException) e).reason()).isEqualTo(Reason.NOT_POSITIVE);
        // A Feature with only its name set: proto3 gives it the value 0.
        assertThatThrownBy(() -> FeatureValidator.validate(
                        List.of(SL, Feature.newBuilder().setName("sepal_width").build(), PL, PW)))
                .hasMessageStartingWith("feature 'sepal_width' is 0.0 (expected: a length in cm greater than 0;");
        assertThatThrownBy(() -> FeatureValidator.validate(List.of(SL, SW, feature("petal_length", -0.0), PW)))
                .hasMessageStartingWith("feature 'petal_length' is -0.0 (expected: a length in cm greater than 0;");
    }

    @Test
    void missingFeatureIsNamed() {
        assertThatThrownBy(() -> FeatureValidator.validate(List.of(SL, SW, PL)))
                .isInstanceOf(InvalidFeatureException.class)
                .hasMessage("missing feature 'petal_width' (expected all of: sepal_length, sepal_width, "
                        + "petal_length, petal_width)")
                .extracting(e -> ((InvalidFeatureException) e).reason()).isEqualTo(Reason.MISSING);
    }

    @Test
    void everyMissingFeatureIsNamedWhenTheRequestIsEmpty() {
        assertThatThrownBy(() -> FeatureValidator.validate(List.of()))
                .hasMessageStartingWith("missing feature 'sepal_length', 'sepal_width', 'petal_length', 'petal_width'");
    }

    @Test
    void repeatedFeatureIsNamed() {
        assertThatThrownBy(() -> FeatureValidator.validate(List.of(SL, SW, PL, PW, feature("sepal_width", 3.0))))
                .hasMessage("feature 'sepal_width' is given more than once (expected: each feature exactly once)")
                .extracting(e -> ((InvalidFeatureException) e).reason()).isEqualTo(Reason.REPEATED);
    }

    @Test
    void unknownFeatureIsNamed() {
        assertThatThrownBy(() -> FeatureValidator.validate(List.of(SL, SW, PL, PW, feature("stem_length", 9))))
                .hasMessage("unknown feature 'stem_length' (expected one of: sepal_length, sepal_width, "
                        + "petal_length, petal_width)")
                .extracting(e -> ((InvalidFeatureException) e).reason()).isEqualTo(Reason.UNKNOWN);
    }

    @Test
    void emptyNameIsReportedByPosition() {
        assertThatThrownBy(() -> FeatureValidator.validate(List.of(SL, feature("", 3.5), PL, PW)))
                .hasMessage("feature #2 has an empty name (expected one of: sepal_length, sepal_width, "
                        + "petal_length, petal_width)")
                .extracting(e -> ((InvalidFeatureException) e).reason()).isEqualTo(Reason.EMPTY_NAME);
    }

    @Test
    void nanIsNamed() {
        assertThatThrownBy(() -> FeatureValidator.validate(List.of(SL, SW, feature("petal_length", Double.NaN), PW)))
                .hasMessage("feature 'petal_length' is NaN (expected: a finite number of cm)")
                .extracting(e -> ((InvalidFeatureException) e).reason()).isEqualTo(Reason.NOT_A_NUMBER);
    }

    @Test
    void infinityIsNamed() {
        assertThatThrownBy(() -> FeatureValidator.validate(
                        List.of(feature("sepal_length", Double.POSITIVE_INFINITY), SW, PL, PW)))
                .hasMessage("feature 'sepal_length' is Infinity (expected: a finite number of cm)")
                .extracting(e -> ((InvalidFeatureException) e).reason()).isEqualTo(Reason.INFINITE);
        assertThatThrownBy(() -> FeatureValidator.validate(
                        List.of(SL, SW, PL, feature("petal_width", Double.NEGATIVE_INFINITY))))
                .hasMessage("feature 'petal_width' is -Infinity (expected: a finite number of cm)");
    }
}
