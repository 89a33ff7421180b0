package dev.siskin.model.load;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The human-readable HOCON file kept next to each model file ({@code iris-v1.0.0.conf} beside
 * {@code iris-v1.0.0.tribuo}): how the model was trained and the SHA-256 the server checks the model file against.
 */
public record ModelMetadata(
        String version,
        String modelFile,
        String modelSha256,
        Trainer trainer,
        Split split,
        Data data,
        double testAccuracy,
        String trainedAt,
        String tribuoVersion) {

    /** Value of {@code trainer.max-depth} for trees grown until their leaves are pure. */
    public static final String UNLIMITED_DEPTH = "unlimited";

    /** Random forest hyper-parameters. {@code maxDepth} is {@link Integer#MAX_VALUE} when unlimited. */
    public record Trainer(String algorithm, int trees, int maxDepth, double featureFraction, String combiner, long seed) {}

    /** The fixed stratified train/test split. */
    public record Split(String kind, double trainFraction, long seed, int trainRows, int testRows) {}

    /** The data file the model was trained on. */
    public record Data(String file, String sha256, int rows) {}

    /** The metadata file that belongs to a model file: same name, extension {@code .conf}. */
    public static Path pathFor(Path modelFile) {
        String name = modelFile.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        return modelFile.resolveSibling(base + ".conf");
    }

    /**
     * Reads a metadata file.
     *
     * @throws IOException if the file cannot be read
     * @throws ConfigException if it does not parse or lacks a key (the message names file, line and key)
     */
    public static ModelMetadata read(Path file) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IOException("cannot read " + file);
        }
        Config c = ConfigFactory.parseFile(file.toFile()).resolve();
        String depth = c.getString("trainer.max-depth");
        return new ModelMetadata(
                c.getString("version"),
                c.getString("model-file"),
                c.getString("model-sha256"),
                new Trainer(
                        c.getString("trainer.algorithm"),
                        c.getInt("trainer.trees"),
                        UNLIMITED_DEPTH.equals(depth) ? Integer.MAX_VALUE : c.getInt("trainer.max-depth"),
                        c.getDouble("trainer.feature-fraction"),
                        c.getString("trainer.combiner"),
                        c.getLong("trainer.seed")),
                new Split(
                        c.getString("split.kind"),
                        c.getDouble("split.train-fraction"),
                        c.getLong("split.seed"),
                        c.getInt("split.train-rows"),
                        c.getInt("split.test-rows")),
                new Data(c.getString("data.file"), c.getString("data.sha256"), c.getInt("data.rows")),
                c.getDouble("test-accuracy"),
                c.getString("trained-at"),
                c.getString("tribuo-version"));
    }

    /** Writes this metadata as HOCON, replacing the file. */
    public void write(Path file) throws IOException {
        Map<String, Object> trainerMap = new LinkedHashMap<>();
        trainerMap.put("algorithm", trainer.algorithm());
        trainerMap.put("trees", trainer.trees());
        trainerMap.put("max-depth", trainer.maxDepth() == Integer.MAX_VALUE ? UNLIMITED_DEPTH : trainer.maxDepth());
        trainerMap.put("feature-fraction", trainer.featureFraction());
        trainerMap.put("combiner", trainer.combiner());
        trainerMap.put("seed", trainer.seed());
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", version);
        root.put("model-file", modelFile);
        root.put("model-sha256", modelSha256);
        root.put("trainer", trainerMap);
        root.put("split", Map.of(
                "kind", split.kind(),
                "train-fraction", split.trainFraction(),
                "seed", split.seed(),
                "train-rows", split.trainRows(),
                "test-rows", split.testRows()));
        root.put("data", Map.of("file", data.file(), "sha256", data.sha256(), "rows", data.rows()));
        root.put("test-accuracy", testAccuracy);
        root.put("trained-at", trainedAt);
        root.put("tribuo-version", tribuoVersion);
        String body = ConfigValueFactory.fromMap(root)
                .render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
        String header = "# Metadata of " + modelFile + ", written by scripts/train-models.sh.\n"
                + "# The model server refuses to start when model-sha256 does not match the model file,\n"
                + "# or when MODEL_VERSION is set and differs from version.\n";
        Files.writeString(file, header + body, StandardCharsets.UTF_8);
    }
}
