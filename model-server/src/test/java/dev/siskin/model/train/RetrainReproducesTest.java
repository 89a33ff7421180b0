package dev.siskin.model.train;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.model.load.LoadedModel;
import dev.siskin.model.load.ModelLoader;
import dev.siskin.model.load.ModelMetadata;
import dev.siskin.model.predict.Classification;
import dev.siskin.model.predict.IrisClassifier;
import dev.siskin.model.testing.IrisRows;
import dev.siskin.model.testing.IrisRows.Row;
import dev.siskin.model.testing.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training again from scratch gives models that answer exactly like the committed ones. */
class RetrainReproducesTest {
    @TempDir
    static Path out;
    private static List<ModelMetadata> written;

    @BeforeAll
    static void retrain() throws Exception {
        written = TrainModels.trainAll(Repo.irisCsv(), out);
    }

    @Test
    void retrainedModelsPredictTheSameSpeciesAndProbabilitiesOnAllRows() throws Exception {
        assertThat(written).extracting(ModelMetadata::version).containsExactly("v1.0.0", "v2.0.0");
        List<Row> rows = IrisRows.all();
        assertThat(rows).hasSize(150);
        for (ModelMetadata metadata : written) {
            LoadedModel committed = ModelLoader.load(Repo.model(metadata.version()), Optional.empty());
            LoadedModel retrained = ModelLoader.load(out.resolve(metadata.modelFile()), Optional.of(metadata.version()));
            IrisClassifier expected = new IrisClassifier(committed.model());
            IrisClassifier actual = new IrisClassifier(retrained.model());
            for (Row row : rows) {
                Classification want = expected.classify(row.flower());
                Classification got = actual.classify(row.flower());
                assertThat(got.species()).as("%s %s", metadata.version(), row).isEqualTo(want.species());
                assertThat(got.probabilities()).as("%s %s", metadata.version(), row).isEqualTo(want.probabilities());
            }
            assertThat(retrained.metadata().testAccuracy()).isEqualTo(committed.metadata().testAccuracy());
            assertThat(retrained.metadata().trainer()).isEqualTo(committed.metadata().trainer());
            assertThat(retrained.metadata().split()).isEqualTo(committed.metadata().split());
        }
    }

    @Test
    void modelFilesHoldNoPathOfTheTrainingMachine() throws Exception {
        String root = Repo.root().toString();
        for (String version : List.of("v1.0.0", "v2.0.0")) {
            String committed = new String(Files.readAllBytes(Repo.model(version)), ISO_8859_1);
            assertThat(committed).doesNotContain("file:/").doesNotContain(root);
            String fresh = new String(Files.readAllBytes(out.resolve("iris-" + version + ".tribuo")),
                    ISO_8859_1);
            assertThat(fresh).doesNotContain("file:/").doesNotContain(root).doesNotContain(out.toString());
        }
    }
}
