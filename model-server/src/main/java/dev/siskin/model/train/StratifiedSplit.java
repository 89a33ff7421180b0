package dev.siskin.model.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A deterministic stratified train/test split: every class keeps the same share in both parts.
 *
 * <p>Classes are visited in sorted order; the row indices of each class are shuffled with one {@link Random}
 * seeded once, and the first {@code round(size * trainFraction)} go to training. Both parts keep the rows in their
 * original order, so the result depends only on the rows, the fraction and the seed.
 */
public final class StratifiedSplit {
    private StratifiedSplit() {}

    /** The two parts of a split. */
    public record Parts<T>(List<T> train, List<T> test) {}

    public static <T> Parts<T> split(List<T> rows, Function<T, String> classOf, double trainFraction, long seed) {
        if (!(trainFraction > 0 && trainFraction < 1)) {
            throw new IllegalArgumentException("trainFraction: " + trainFraction + " (expected: > 0 and < 1)");
        }
        Map<String, List<Integer>> indicesByClass = new TreeMap<>();
        for (int i = 0; i < rows.size(); i++) {
            indicesByClass.computeIfAbsent(classOf.apply(rows.get(i)), k -> new ArrayList<>()).add(i);
        }
        Random random = new Random(seed);
        boolean[] inTrain = new boolean[rows.size()];
        for (List<Integer> indices : indicesByClass.values()) {
            Collections.shuffle(indices, random);
            long trainCount = Math.round(indices.size() * trainFraction);
            for (int k = 0; k < trainCount; k++) {
                inTrain[indices.get(k)] = true;
            }
        }
        List<T> train = new ArrayList<>();
        List<T> test = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            (inTrain[i] ? train : test).add(rows.get(i));
        }
        return new Parts<>(List.copyOf(train), List.copyOf(test));
    }
}
