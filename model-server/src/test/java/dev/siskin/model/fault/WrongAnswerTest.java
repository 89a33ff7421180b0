package dev.siskin.model.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.siskin.model.predict.Classification;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WrongAnswerTest {
    private static final Map<String, Double> PROBABILITIES = Map.of("setosa", 0.7, "versicolor", 0.2, "virginica", 0.1);

    /** The others in name order; picks below 0.5 take the first, the rest the second. */
    @ParameterizedTest(name = "{0} at pick {1} -> {2}")
    @CsvSource({
        "setosa, 0.0, versicolor", "setosa, 0.4999, versicolor", "setosa, 0.5, virginica", "setosa, 0.9999, virginica",
        "versicolor, 0.0, setosa", "versicolor, 0.4999, setosa", "versicolor, 0.5, virginica",
        "versicolor, 0.9999, virginica",
        "virginica, 0.0, setosa", "virginica, 0.4999, setosa", "virginica, 0.5, versicolor",
        "virginica, 0.9999, versicolor",
    })
    void givesAnotherSpeciesWithTheModelsProbabilityOfItAsConfidence(String model, double pick, String given) {
        Classification answer = new Classification(model, PROBABILITIES.get(model), PROBABILITIES);
        Classification wrong = new WrongAnswer(pick).applyTo(answer);
        assertThat(wrong.species()).isEqualTo(given).isNotEqualTo(model);
        assertThat(wrong.confidence()).isEqualTo(PROBABILITIES.get(given));
        assertThat(wrong.probabilities()).isEqualTo(PROBABILITIES);
    }

    @Test
    void aModelThatKnowsOneSpeciesKeepsItsAnswer() {
        Classification only = new Classification("setosa", 1.0, Map.of("setosa", 1.0));
        assertThat(new WrongAnswer(0.3).applyTo(only)).isEqualTo(only);
    }

    @Test
    void picksOutsideTheUnitIntervalAreRefused() {
        for (double pick : new double[] {-0.1, 1.0, Double.NaN}) {
            assertThatThrownBy(() -> new WrongAnswer(pick)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected: a draw in [0, 1)");
        }
    }
}
