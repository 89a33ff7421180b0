package dev.siskin.model.predict;

import dev.siskin.model.iris.Iris;
import dev.siskin.model.iris.IrisMeasurements;
import java.util.ArrayList;
import java.util.List;
import org.tribuo.CategoricalInfo;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.RealInfo;
import org.tribuo.VariableInfo;

/**
 * The {@link TrainingRange} of each Iris feature, read from the model file itself: Tribuo records in a model's
 * feature domain every value (or the min and max) it saw in the training rows, so the ranges are those of the data
 * the model was trained on and need no copy kept in sync by hand. Immutable and thread-safe.
 */
public final class TrainingRanges {
    private final List<TrainingRange> ranges; // in Iris.FEATURES order

    private TrainingRanges(List<TrainingRange> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    /**
     * @throws IllegalArgumentException if an Iris feature is missing from {@code domain} or has no training values
     */
    public static TrainingRanges of(ImmutableFeatureMap domain) {
        List<TrainingRange> ranges = new ArrayList<>();
        for (String feature : Iris.FEATURES) {
            VariableInfo info = domain.get(feature);
            if (info == null) {
                throw new IllegalArgumentException("feature '" + feature + "' is not in the model's feature domain");
            }
            ranges.add(rangeOf(feature, info));
        }
        return new TrainingRanges(ranges);
    }

    // Tribuo keeps a feature categorical (the values seen, with counts) while it has few distinct values, and
    // switches to RealInfo (min, max, mean, variance) above CategoricalInfo.THRESHOLD; Iris's stay categorical.
    private static TrainingRange rangeOf(String feature, VariableInfo info) {
        RealInfo real;
        if (info instanceof RealInfo r) {
            real = r;
        } else if (info instanceof CategoricalInfo c) {
            real = c.generateRealInfo();
        } else {
            throw new IllegalArgumentException("feature '" + feature + "' has a " + info.getClass().getSimpleName()
                    + " in the model's feature domain (expected: real or categorical values seen in training)");
        }
        if (real.getCount() == 0) {
            throw new IllegalArgumentException("feature '" + feature + "' was never seen in training");
        }
        return new TrainingRange(real.getMin(), real.getMax());
    }

    public TrainingRange get(String feature) {
        int index = Iris.FEATURES.indexOf(feature);
        if (index < 0) {
            throw new IllegalArgumentException("unknown feature '" + feature + "'");
        }
        return ranges.get(index);
    }

    /** The features of {@code flower} that lie far outside their training range, in {@link Iris#FEATURES} order. */
    public List<String> farOutside(IrisMeasurements flower) {
        double[] values = flower.values();
        List<String> far = new ArrayList<>(0);
        for (int i = 0; i < values.length; i++) {
            if (ranges.get(i).isFarOutside(values[i])) {
                far.add(Iris.FEATURES.get(i));
            }
        }
        return far;
    }
}
