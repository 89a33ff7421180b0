package dev.siskin.model.train;

import dev.siskin.model.Logging;
import dev.siskin.model.load.ModelMetadata;
import dev.siskin.model.load.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.tribuo.Model;
import org.tribuo.Tribuo;
import org.tribuo.classification.Label;

/**
 * Trains every {@link ModelRecipe#COMMITTED} model and writes {@code iris-<version>.tribuo} (Tribuo's protobuf
 * format) plus its {@code .conf} metadata. Usage: {@code TrainModels [DATA_CSV [OUT_DIR]]}, defaults
 * {@code data/iris.csv} and {@code models}. Run by {@code scripts/train-models.sh}.
 */
public final class TrainModels {
    private TrainModels() {}

    public static void main(String[] args) throws IOException {
        Logging.routeJulToSlf4j();
        if (args.length > 2) {
            System.err.println("usage: TrainModels [DATA_CSV [OUT_DIR]]  (defaults: data/iris.csv models)");
            System.exit(2);
        }
        Path data = Path.of(args.length > 0 ? args[0] : "data/iris.csv");
        Path out = Path.of(args.length > 1 ? args[1] : "models");
        for (ModelMetadata m : trainAll(data, out)) {
            System.out.printf(Locale.ROOT, "%s: random forest of %d trees, max depth %s: held-out accuracy %.4f "
                            + "(%d test rows) -> %s%n",
                    m.version(), m.trainer().trees(), depthText(m.trainer().maxDepth()), m.testAccuracy(),
                    m.split().testRows(), out.resolve(m.modelFile()));
        }
    }

    /** Trains all committed recipes into {@code outDir}; returns the metadata written for each. */
    public static List<ModelMetadata> trainAll(Path dataCsv, Path outDir) throws IOException {
        Files.createDirectories(outDir);
        IrisTrainer trainer = IrisTrainer.load(dataCsv);
        String dataSha = Sha256.ofFile(dataCsv);
        List<ModelMetadata> written = new ArrayList<>();
        for (ModelRecipe recipe : ModelRecipe.COMMITTED) {
            Model<Label> model = trainer.train(recipe);
            Path modelFile = outDir.resolve(recipe.modelFileName());
            model.serializeToFile(modelFile);
            ModelMetadata metadata = new ModelMetadata(
                    recipe.version(),
                    recipe.modelFileName(),
                    Sha256.ofFile(modelFile),
                    new ModelMetadata.Trainer("random-forest (Tribuo RandomForestTrainer over CARTClassificationTrainer)",
                            recipe.trees(), recipe.maxDepth(), recipe.featureFraction(), IrisTrainer.COMBINER,
                            recipe.seed()),
                    new ModelMetadata.Split("stratified", IrisTrainer.TRAIN_FRACTION, IrisTrainer.SPLIT_SEED,
                            trainer.trainRows(), trainer.testRows()),
                    new ModelMetadata.Data(dataCsv.getFileName().toString(), dataSha, trainer.rows()),
                    trainer.testAccuracy(model),
                    Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                    Tribuo.VERSION);
            metadata.write(ModelMetadata.pathFor(modelFile));
            written.add(metadata);
        }
        return written;
    }

    private static String depthText(int maxDepth) {
        return maxDepth == Integer.MAX_VALUE ? ModelMetadata.UNLIMITED_DEPTH : Integer.toString(maxDepth);
    }
}
