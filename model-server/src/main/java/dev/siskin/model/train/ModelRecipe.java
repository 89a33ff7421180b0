package dev.siskin.model.train;

import java.util.List;

/**
 * How one model version is trained: a random forest of CART trees with a fixed seed.
 *
 * @param maxDepth {@link Integer#MAX_VALUE} grows each tree until its leaves are pure
 * @param featureFraction share of the features each split may look at (sqrt(4)/4 for Iris, as random forests do)
 */
public record ModelRecipe(String version, int trees, int maxDepth, float featureFraction, long seed) {

    /** The committed models. Changing a value here changes what {@code scripts/train-models.sh} rebuilds. */
    public static final List<ModelRecipe> COMMITTED = List.of(
            new ModelRecipe("v1.0.0", 100, Integer.MAX_VALUE, 0.5f, 1001L),
            new ModelRecipe("v2.0.0", 200, 5, 0.5f, 2002L));

    /** Model file name, e.g. {@code iris-v1.0.0.tribuo}. */
    public String modelFileName() {
        return "iris-" + version + ".tribuo";
    }
}
