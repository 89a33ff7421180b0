package dev.siskin.model.predict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.siskin.model.iris.Iris;
import dev.siskin.model.iris.IrisMeasurements;
import dev.siskin.model.load.LoadedModel;
import dev.siskin.model.load.ModelLoader;
import dev.siskin.model.testing.IrisRows;
import dev.siskin.model.testing.IrisRows.Row;
import dev.siskin.model.testing.Repo;
import dev.siskin.model.train.IrisTrainer;
import dev.siskin.model.train.StratifiedSplit;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.MutableFeatureMap;
import org.tribuo.RealInfo;
import org.tribuo.VariableInfo;

class TrainingRangesTest {

    /** The ranges read from each committed model are the min and max of its training rows in data/iris.csv. */
    @ParameterizedTest
    @ValueSource(strings = {"v1.0.0", "v2.0.0"})
    void committedModelsRecordTheRangesOfTheirTrainingRows(String version) throws Exception {
        LoadedModel model = ModelLoader.load(Repo.model(version), Optional.empty());
        // The trainer's split, recomputed here over the rows read without Tribuo.
        List<Row> train = StratifiedSplit.split(IrisRows.all(), Row::species, IrisTrainer.TRAIN_FRACTION,
                IrisTrainer.SPLIT_SEED).train();
        assertThat(train).hasSize(model.metadata().split().trainRows());
        for (int i = 0; i < Iris.FEATURES.size(); i++) {
            int column = i;
            double[] values = train.stream().mapToDouble(r -> r.flower().values()[column]).toArray();
            TrainingRange range = model.trainingRanges().get(Iris.FEATURES.get(i));
            assertThat(range).as(Iris.FEATURES.get(i))
                    .isEqualTo(new TrainingRange(Arrays.stream(values).min().orElseThrow(),
                            Arrays.stream(values).max().orElseThrow()));
        }
        // The training rows, not the whole file: the file's shortest sepal (4.3 cm) is a held-out test row.
        assertThat(model.trainingRanges().get("sepal_length")).isEqualTo(new TrainingRange(4.4, 7.9));
        assertThat(IrisRows.all().stream().mapToDouble(r -> r.flower().sepalLength()).min().orElseThrow())
                .isEqualTo(4.3);
    }

    @Test
    void farOutsideMeansBeyondOneWidthBelowMinOrAboveMax() {
        TrainingRange range = new TrainingRange(2.0, 5.0);
        assertThat(range.width()).isEqualTo(3.0);
        assertThat(range.lowLimit()).isEqualTo(-1.0);
        assertThat(range.highLimit()).isEqualTo(8.0);
        assertThat(range.isFarOutside(3.0)).isFalse();
        assertThat(range.isFarOutside(-1.0)).isFalse();
        assertThat(range.isFarOutside(8.0)).isFalse();
        assertThat(range.isFarOutside(Math.nextDown(-1.0))).isTrue();
        assertThat(range.isFarOutside(Math.nextUp(8.0))).isTrue();
        assertThat(range.isFarOutside(80.0)).isTrue();
        // A feature with one training value: anything else is far outside.
        TrainingRange single = new TrainingRange(1.5, 1.5);
        assertThat(single.isFarOutside(1.5)).isFalse();
        assertThat(single.isFarOutside(1.6)).isTrue();
    }

    @Test
    void aRangeMustBeFiniteAndOrdered() {
        assertThatThrownBy(() -> new TrainingRange(5, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TrainingRange(Double.NEGATIVE_INFINITY, 2))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TrainingRange(0, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void farOutsideNamesEachOffendingFeatureInFeatureOrder() throws Exception {
        TrainingRanges ranges = ModelLoader.load(Repo.model("v1.0.0"), Optional.empty()).trainingRanges();
        assertThat(ranges.farOutside(new IrisMeasurements(5.1, 3.5, 1.4, 0.2))).isEmpty();
        assertThat(ranges.farOutside(new IrisMeasurements(51, 3.5, 1.4, 20)))
                .containsExactly("sepal_length", "petal_width");
        assertThat(ranges.farOutside(new IrisMeasurements(5.1, 35, 14, 0.2)))
                .containsExactly("sepal_width", "petal_length");
    }

    @Test
    void readsRealAsWellAsCategoricalDomains() {
        // Tribuo turns a feature into a RealInfo once it has more than CategoricalInfo.THRESHOLD distinct values.
        MutableFeatureMap domain = new MutableFeatureMap();
        IntStream.rangeClosed(1, 60).forEach(i -> domain.add("sepal_length", i / 10.0));
        domain.add("sepal_width", 3.0);
        domain.add("sepal_width", 2.5);
        domain.add("petal_length", 1.0);
        domain.add("petal_width", 0.2);
        assertThat(domain.get("sepal_length")).isInstanceOf(RealInfo.class);
        TrainingRanges ranges = TrainingRanges.of(new ImmutableFeatureMap(domain));
        assertThat(ranges.get("sepal_length")).isEqualTo(new TrainingRange(0.1, 6.0));
        assertThat(ranges.get("sepal_width")).isEqualTo(new TrainingRange(2.5, 3.0));
        assertThat(ranges.get("petal_width")).isEqualTo(new TrainingRange(0.2, 0.2));
    }

    @Test
    void aDomainWithoutTrainingValuesForAFeatureIsRefusedNamingIt() {
        MutableFeatureMap missing = new MutableFeatureMap();
        missing.add("sepal_length", 5.0);
        missing.add("sepal_width", 3.0);
        missing.add("petal_length", 1.4);
        assertThatThrownBy(() -> TrainingRanges.of(new ImmutableFeatureMap(missing)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("feature 'petal_width' is not in the model's feature domain");

        List<VariableInfo> neverSeen = List.of(new RealInfo("sepal_length", 1, 5, 5, 5, 0),
                new RealInfo("sepal_width", 1, 3, 3, 3, 0), new RealInfo("petal_length"),
                new RealInfo("petal_width", 1, 0.2, 0.2, 0.2, 0));
        assertThatThrownBy(() -> TrainingRanges.of(new ImmutableFeatureMap(neverSeen)))
                .hasMessage("feature 'petal_length' was never seen in training");
    }
}
