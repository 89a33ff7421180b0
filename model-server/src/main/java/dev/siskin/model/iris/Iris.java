package dev.siskin.model.iris;

import java.util.List;
import java.util.Set;

/** Names of the Iris problem: the four input features (cm) and the three species, as in {@code data/iris.csv}. */
public final class Iris {
    /** Feature names in the column order of the data file; the wire API accepts them in any order. */
    public static final List<String> FEATURES = List.of("sepal_length", "sepal_width", "petal_length", "petal_width");

    /** Name of the label column in the data file. */
    public static final String LABEL_COLUMN = "species";

    /** The species a model must be able to predict. */
    public static final Set<String> SPECIES = Set.of("setosa", "versicolor", "virginica");

    private Iris() {}
}
