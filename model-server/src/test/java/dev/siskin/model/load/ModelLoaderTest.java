package dev.siskin.model.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.siskin.model.testing.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a model file can be unfit to serve ends in one clear message, never a served model. */
class ModelLoaderTest {
    @TempDir
    Path dir;

    @Test
    void missingModelFileTellsWhatToSet() {
        Path missing = dir.resolve("iris-v9.tribuo");
        assertThatThrownBy(() -> ModelLoader.load(missing, Optional.empty()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("model file " + missing + " not found (set MODEL_PATH to a .tribuo file; see models/)");
    }

    @Test
    void missingMetadataIsRefused() throws Exception {
        Path model = copyModel("v1.0.0");
        Files.delete(ModelMetadata.pathFor(model));
        assertThatThrownBy(() -> ModelLoader.load(model, Optional.empty()))
                .hasMessageStartingWith("metadata file " + ModelMetadata.pathFor(model) + " not found");
    }

    @Test
    void versionOtherThanTheMetadataIsRefused() throws Exception {
        Path model = copyModel("v1.0.0");
        assertThatThrownBy(() -> ModelLoader.load(model, Optional.of("v2.0.0")))
                .hasMessage("MODEL_VERSION v2.0.0 does not match version v1.0.0 in " + ModelMetadata.pathFor(model)
                        + " (unset MODEL_VERSION or point MODEL_PATH at the v2.0.0 model)");
    }

    @Test
    void changedModelBytesFailTheHashCheck() throws Exception {
        Path model = copyModel("v2.0.0");
        byte[] bytes = Files.readAllBytes(model);
        bytes[bytes.length / 2] ^= 0x5A;
        Files.write(model, bytes);
        assertThatThrownBy(() -> ModelLoader.load(model, Optional.empty()))
                .hasMessageContaining("has SHA-256 " + Sha256.ofFile(model))
                .hasMessageContaining("expects " + Sha256.ofFile(Repo.model("v2.0.0")))
                .hasMessageContaining("rebuild the models with scripts/train-models.sh");
    }

    @Test
    void corruptFileWhoseHashWasRecordedIsRefusedAsUnreadable() throws Exception {
        Path model = copyModel("v1.0.0");
        byte[] bytes = Files.readAllBytes(model);
        Files.write(model, java.util.Arrays.copyOf(bytes, bytes.length / 3)); // truncated
        rewriteHash(model);
        assertThatThrownBy(() -> ModelLoader.load(model, Optional.empty()))
                .hasMessageStartingWith("model file " + model + " is not a readable Tribuo protobuf model: ");
    }

    @Test
    void javaSerializedOrForeignBytesAreRefusedAsUnreadable() throws Exception {
        Path model = copyModel("v1.0.0");
        Files.write(model, new byte[] {(byte) 0xAC, (byte) 0xED, 0x00, 0x05, 0x73, 0x72}); // Java serialization magic
        rewriteHash(model);
        assertThatThrownBy(() -> ModelLoader.load(model, Optional.empty()))
                .hasMessageStartingWith("model file " + model + " is not a readable Tribuo protobuf model");
    }

    @Test
    void garbledMetadataIsReportedWithTheFile() throws Exception {
        Path model = copyModel("v1.0.0");
        Files.writeString(ModelMetadata.pathFor(model), "version = {\n");
        assertThatThrownBy(() -> ModelLoader.load(model, Optional.empty()))
                .hasMessageStartingWith("metadata file " + ModelMetadata.pathFor(model) + " is unreadable: ");
    }

    @Test
    void loadsACopyWithItsMetadata() throws Exception {
        Path model = copyModel("v2.0.0");
        assertThat(ModelLoader.load(model, Optional.of("v2.0.0")).version()).isEqualTo("v2.0.0");
    }

    private Path copyModel(String version) throws Exception {
        Path source = Repo.model(version);
        Path target = dir.resolve(source.getFileName());
        Files.copy(source, target);
        Files.copy(ModelMetadata.pathFor(source), ModelMetadata.pathFor(target));
        return target;
    }

    private static void rewriteHash(Path model) throws Exception {
        ModelMetadata m = ModelMetadata.read(ModelMetadata.pathFor(model));
        new ModelMetadata(m.version(), m.modelFile(), Sha256.ofFile(model), m.trainer(), m.split(), m.data(),
                m.testAccuracy(), m.trainedAt(), m.tribuoVersion()).write(ModelMetadata.pathFor(model));
    }
}
