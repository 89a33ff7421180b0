package dev.siskin.model.predict;

import dev.siskin.model.iris.IrisMeasurements;
import java.util.HashMap;
import java.util.Map;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;

/**
 * Classifies Iris measurements with one Tribuo model. Thread-safe: the model is immutable and Tribuo's
 * {@code Model.predict} is safe to call concurrently (see {@link dev.siskin.model.load.LoadedModel}).
 */
public final class IrisClassifier {
    private final Model<Label> model;

    public IrisClassifier(Model<Label> model) {
        this.model = model;
    }

    public Classification classify(IrisMeasurements flower) {
        Prediction<Label> prediction = model.predict(flower.toExample());
        Map<String, Double> probabilities = new HashMap<>();
        prediction.getOutputScores().forEach((species, label) -> probabilities.put(species, label.getScore()));
        Label best = prediction.getOutput();
        return new Classification(best.getLabel(), best.getScore(), probabilities);
    }
}
