package dev.siskin.model.load;

import com.typesafe.config.ConfigException;
import dev.siskin.model.iris.Iris;
import dev.siskin.model.predict.TrainingRanges;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.tribuo.Model;
import org.tribuo.VariableInfo;
import org.tribuo.classification.Label;

/**
 * Loads a model file for serving and refuses anything it cannot vouch for.
 *
 * <p>Order matters: the file's SHA-256 is checked against its metadata before the bytes are deserialized, so a
 * swapped or truncated file is rejected without being parsed. Tribuo's protobuf format is used (never Java
 * serialization, which runs code chosen by the file), and the result must predict Iris species from exactly the
 * four Iris features, whose training ranges the model records (Tribuo's feature domain).
 */
public final class ModelLoader {
    private static final String RETRAIN_HINT = "rebuild the models with scripts/train-models.sh";

    private ModelLoader() {}

    /**
     * @param expectedVersion the version the operator asked for (MODEL_VERSION); empty accepts the metadata's
     */
    public static LoadedModel load(Path file, Optional<String> expectedVersion) throws ModelLoadException {
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException("model file " + file + " not found (set MODEL_PATH to a .tribuo file; see models/)");
        }
        ModelMetadata metadata = readMetadata(file);
        if (expectedVersion.isPresent() && !expectedVersion.get().equals(metadata.version())) {
            throw new ModelLoadException("MODEL_VERSION " + expectedVersion.get() + " does not match version "
                    + metadata.version() + " in " + ModelMetadata.pathFor(file)
                    + " (unset MODEL_VERSION or point MODEL_PATH at the " + expectedVersion.get() + " model)");
        }
        String sha256 = sha256(file);
        if (!sha256.equals(metadata.modelSha256())) {
            throw new ModelLoadException("model file " + file + " has SHA-256 " + sha256 + " but "
                    + ModelMetadata.pathFor(file) + " expects " + metadata.modelSha256()
                    + " (the file was changed or damaged; " + RETRAIN_HINT + ")");
        }
        Model<Label> model = checkIris(file, deserialize(file));
        return new LoadedModel(model, metadata, file, sha256, trainingRanges(file, model));
    }

    private static ModelMetadata readMetadata(Path file) throws ModelLoadException {
        Path metaFile = ModelMetadata.pathFor(file);
        if (!Files.isRegularFile(metaFile)) {
            throw new ModelLoadException("metadata file " + metaFile + " not found (it must sit next to the model file "
                    + "and hold its version and SHA-256; " + RETRAIN_HINT + ")");
        }
        try {
            return ModelMetadata.read(metaFile);
        } catch (IOException | ConfigException e) {
            throw new ModelLoadException("metadata file " + metaFile + " is unreadable: " + oneLine(e.getMessage())
                    + " (" + RETRAIN_HINT + ")", e);
        }
    }

    private static String sha256(Path file) throws ModelLoadException {
        try {
            return Sha256.ofFile(file);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read model file " + file + ": " + oneLine(e.getMessage()), e);
        }
    }

    private static Model<?> deserialize(Path file) throws ModelLoadException {
        try {
            return Model.deserializeFromFile(file);
        } catch (IOException | RuntimeException e) {
            // Tribuo reports a damaged protobuf as IOException or as one of several runtime exceptions.
            throw new ModelLoadException("model file " + file + " is not a readable Tribuo protobuf model: "
                    + oneLine(String.valueOf(e.getMessage())) + " (" + RETRAIN_HINT + ")", e);
        }
    }

    private static Model<Label> checkIris(Path file, Model<?> model) throws ModelLoadException {
        if (!model.validate(Label.class)) {
            throw new ModelLoadException("model file " + file + " does not predict class labels (expected: an Iris "
                    + "species classifier; " + RETRAIN_HINT + ")");
        }
        Model<Label> labelModel = model.castModel(Label.class);
        Set<String> species = new TreeSet<>();
        labelModel.getOutputIDInfo().getDomain().forEach(label -> species.add(label.getLabel()));
        if (!species.equals(Iris.SPECIES)) {
            throw new ModelLoadException("model file " + file + " predicts " + species + " (expected: "
                    + new TreeSet<>(Iris.SPECIES) + ")");
        }
        Set<String> features = new HashSet<>();
        for (VariableInfo info : labelModel.getFeatureIDMap()) {
            features.add(info.getName());
        }
        if (!features.equals(Set.copyOf(Iris.FEATURES))) {
            throw new ModelLoadException("model file " + file + " expects features " + new TreeSet<>(features)
                    + " (expected exactly: " + String.join(", ", Iris.FEATURES) + ")");
        }
        return labelModel;
    }

    private static TrainingRanges trainingRanges(Path file, Model<Label> model) throws ModelLoadException {
        try {
            return TrainingRanges.of(model.getFeatureIDMap());
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException("model file " + file + " records no usable training range: " + e.getMessage()
                    + " (" + RETRAIN_HINT + ")", e);
        }
    }

    private static String oneLine(String message) {
        return List.of(message.split("\\R")).get(0);
    }
}
