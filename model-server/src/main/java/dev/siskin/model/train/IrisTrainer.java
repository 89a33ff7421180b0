package dev.siskin.model.train;

import dev.siskin.model.iris.Iris;
import java.io.IOException;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.dtree.CARTClassificationTrainer;
import org.tribuo.classification.ensemble.FullyWeightedVotingCombiner;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.common.tree.RandomForestTrainer;
import org.tribuo.data.csv.CSVLoader;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/** Loads the Iris data, splits it and trains random forests from {@link ModelRecipe}s. */
public final class IrisTrainer {
    /** Share of each species used for training; the rest is the held-out test set. */
    public static final double TRAIN_FRACTION = 0.8;
    public static final long SPLIT_SEED = 42L;
    /** Averages the members' class distributions, so confidence is the mean tree probability. */
    public static final String COMBINER = "FullyWeightedVotingCombiner";

    private static final LabelFactory LABELS = new LabelFactory();

    private final Dataset<Label> train;
    private final Dataset<Label> test;
    private final int rows;

    private IrisTrainer(Dataset<Label> train, Dataset<Label> test, int rows) {
        this.train = train;
        this.test = test;
        this.rows = rows;
    }

    /** Reads {@code csv} (header {@code sepal_length,...,species}) and makes the fixed stratified split. */
    public static IrisTrainer load(Path csv) throws IOException {
        List<Example<Label>> all = new ArrayList<>();
        new CSVLoader<>(LABELS).loadDataSource(csv, Iris.LABEL_COLUMN).forEach(all::add);
        StratifiedSplit.Parts<Example<Label>> parts =
                StratifiedSplit.split(all, e -> e.getOutput().getLabel(), TRAIN_FRACTION, SPLIT_SEED);
        return new IrisTrainer(dataset("train", parts.train()), dataset("test", parts.test()), all.size());
    }

    // The provenance is written into the model file: describe the data by name only. CSVLoader's own provenance
    // would record the absolute path and modification time of the file on the training machine.
    private static Dataset<Label> dataset(String part, List<Example<Label>> examples) {
        OffsetDateTime fixedTime = OffsetDateTime.of(2000, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
        String description = "iris.csv, " + part + " part of the stratified split (fraction "
                + TRAIN_FRACTION + ", seed " + SPLIT_SEED + ")";
        return new MutableDataset<>(examples, new SimpleDataSourceProvenance(description, fixedTime, LABELS), LABELS);
    }

    public Model<Label> train(ModelRecipe recipe) {
        var tree = new CARTClassificationTrainer(recipe.maxDepth(), recipe.featureFraction(), recipe.seed());
        var forest = new RandomForestTrainer<>(tree, new FullyWeightedVotingCombiner(), recipe.trees(), recipe.seed());
        return forest.train(train);
    }

    /** Accuracy on the held-out test part. */
    public double testAccuracy(Model<Label> model) {
        return new LabelEvaluator().evaluate(model, test).accuracy();
    }

    public int trainRows() {
        return train.size();
    }

    public int testRows() {
        return test.size();
    }

    public int rows() {
        return rows;
    }
}
