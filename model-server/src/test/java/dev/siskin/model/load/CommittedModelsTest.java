package dev.siskin.model.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.siskin.model.iris.IrisMeasurements;
import dev.siskin.model.predict.Classification;
import dev.siskin.model.predict.IrisClassifier;
import dev.siskin.model.testing.IrisRows;
import dev.siskin.model.testing.IrisRows.Row;
import dev.siskin.model.testing.Repo;
import dev.siskin.model.train.IrisTrainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The committed model files: they load, predict known flowers right and do well on the held-out rows. */
class CommittedModelsTest {

    @ParameterizedTest
    @ValueSource(strings = {"v1.0.0", "v2.0.0"})
    void loadsWithItsMetadataVersionAndHash(String version) throws Exception {
        LoadedModel model = ModelLoader.load(Repo.model(version), Optional.of(version));
        assertThat(model.version()).isEqualTo(version);
        assertThat(model.sha256()).isEqualTo(Sha256.ofFile(Repo.model(version))).hasSize(64);
        assertThat(model.metadata().trainer().trees()).isEqualTo(version.equals("v1.0.0") ? 100 : 200);
        assertThat(model.metadata().trainer().maxDepth()).isEqualTo(version.equals("v1.0.0") ? Integer.MAX_VALUE : 5);
        assertThat(model.metadata().data().sha256()).isEqualTo(Sha256.ofFile(Repo.irisCsv()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1.0.0", "v2.0.0"})
    void predictsKnownFlowers(String version) throws Exception {
        IrisClassifier classifier = classifier(version);
        // Rows 1, 51 and 101 of data/iris.csv: a typical flower of each species.
        assertSpecies(classifier, new IrisMeasurements(5.1, 3.5, 1.4, 0.2), "setosa");
        assertSpecies(classifier, new IrisMeasurements(7.0, 3.2, 4.7, 1.4), "versicolor");
        assertSpecies(classifier, new IrisMeasurements(6.3, 3.3, 6.0, 2.5), "virginica");
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1.0.0", "v2.0.0"})
    void probabilitiesCoverTheThreeSpeciesAndConfidenceIsTheWinners(String version) throws Exception {
        Classification c = classifier(version).classify(new IrisMeasurements(7.0, 3.2, 4.7, 1.4));
        assertThat(c.probabilities()).containsOnlyKeys("setosa", "versicolor", "virginica");
        assertThat(c.probabilities().values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0, within(1e-9));
        assertThat(c.confidence()).isEqualTo(c.probabilities().get(c.species()))
                .isEqualTo(c.probabilities().values().stream().mapToDouble(Double::doubleValue).max().orElseThrow());
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1.0.0", "v2.0.0"})
    void heldOutAccuracyIsAtLeastNinetyPercentAndMatchesTheMetadata(String version) throws Exception {
        LoadedModel model = ModelLoader.load(Repo.model(version), Optional.empty());
        double accuracy = IrisTrainer.load(Repo.irisCsv()).testAccuracy(model.model());
        assertThat(accuracy).isGreaterThanOrEqualTo(0.9).isEqualTo(model.metadata().testAccuracy());
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1.0.0", "v2.0.0"})
    void concurrentPredictionsEqualSequentialOnes(String version) throws Exception {
        IrisClassifier classifier = classifier(version);
        List<Row> rows = IrisRows.all();
        List<Classification> expected = rows.stream().map(r -> classifier.classify(r.flower())).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Classification>>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                runs.add(pool.submit(() -> {
                    List<Classification> out = new ArrayList<>();
                    for (int round = 0; round < 5; round++) {
                        out = rows.stream().map(r -> classifier.classify(r.flower())).toList();
                    }
                    return out;
                }));
            }
            for (Future<List<Classification>> run : runs) {
                assertThat(run.get(60, TimeUnit.SECONDS)).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static IrisClassifier classifier(String version) throws ModelLoadException {
        return new IrisClassifier(ModelLoader.load(Repo.model(version), Optional.empty()).model());
    }

    private static void assertSpecies(IrisClassifier classifier, IrisMeasurements flower, String species) {
        Classification c = classifier.classify(flower);
        assertThat(c.species()).as("%s", flower).isEqualTo(species);
        assertThat(c.confidence()).isGreaterThan(0.5);
    }
}
