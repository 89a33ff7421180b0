package dev.siskin.model.predict;

import java.util.Map;

/**
 * A model's answer for one flower.
 *
 * @param confidence probability of {@code species}, in [0, 1]
 * @param probabilities probability of every species the model knows
 */
public record Classification(String species, double confidence, Map<String, Double> probabilities) {
    public Classification {
        probabilities = Map.copyOf(probabilities);
    }
}
