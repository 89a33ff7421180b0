package dev.siskin.model.fault;

import dev.siskin.model.predict.Classification;
import java.util.List;

/**
 * A Predict answer to be given another species than the model's, on purpose (FAULT_WRONG_RATE): "a v2 that
 * disagrees", for showing and testing the router's shadow comparison.
 *
 * <p>The species given is one of the others the model knows, picked uniformly by {@code pick}: the others in
 * name order, the one at index {@code floor(pick * count)}. Its confidence is the model's own probability for
 * it, and the probabilities stay the model's, so the answer stays consistent with itself (confidence =
 * probabilities[prediction]); such a wrong answer therefore usually comes with a low confidence.
 *
 * @param pick uniform draw in [0, 1) that chooses among the other species
 */
public record WrongAnswer(double pick) {
    public WrongAnswer {
        if (!(pick >= 0 && pick < 1)) {
            throw new IllegalArgumentException("pick " + pick + " (expected: a draw in [0, 1))");
        }
    }

    /**
     * The answer with another species than {@code model}'s; {@code model} itself when it knows no other species
     * (the model server starts only with models that know three).
     */
    public Classification applyTo(Classification model) {
        List<String> others = model.probabilities().keySet().stream()
                .filter(species -> !species.equals(model.species()))
                .sorted()
                .toList();
        if (others.isEmpty()) {
            return model;
        }
        String species = others.get((int) (pick * others.size()));
        return new Classification(species, model.probabilities().get(species), model.probabilities());
    }
}
