package dev.siskin.model.load;

import dev.siskin.model.predict.TrainingRanges;
import java.nio.file.Path;
import org.tribuo.Model;
import org.tribuo.classification.Label;

/**
 * A model checked by {@link ModelLoader}, with the identity it is served under and the feature ranges it was
 * trained on.
 *
 * <p>Immutable. The Tribuo model is safe to predict with from many threads at once: its maintainers state that
 * {@code Model.predict} is thread-safe, and implementations that are not concurrent are {@code synchronized}
 * (oracle/tribuo issue #180); tree ensembles only read their immutable nodes.
 */
public record LoadedModel(Model<Label> model, ModelMetadata metadata, Path file, String sha256,
        TrainingRanges trainingRanges) {
    public String version() {
        return metadata.version();
    }
}
