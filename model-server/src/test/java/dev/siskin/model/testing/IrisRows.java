package dev.siskin.model.testing;

import dev.siskin.model.iris.IrisMeasurements;
import dev.siskin.proto.v1.Feature;
import dev.siskin.proto.v1.PredictRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;

/** The 150 rows of {@code data/iris.csv}, read without Tribuo, and request builders for tests. */
public final class IrisRows {
    /** One row: measurements and the true species. */
    public record Row(IrisMeasurements flower, String species) {}

    private IrisRows() {}

    public static List<Row> all() {
        try {
            return Files.readAllLines(Repo.irisCsv()).stream()
                    .skip(1)
                    .filter(line -> !line.isBlank())
                    .map(line -> line.split(","))
                    .map(f -> new Row(new IrisMeasurements(Double.parseDouble(f[0]), Double.parseDouble(f[1]),
                            Double.parseDouble(f[2]), Double.parseDouble(f[3])), f[4]))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Feature feature(String name, double value) {
        return Feature.newBuilder().setName(name).setValue(value).build();
    }

    /** The seed's documented request: a setosa (row 1 of the data). */
    public static PredictRequest seedRequest() {
        return request(feature("sepal_length", 5.1), feature("sepal_width", 3.5), feature("petal_length", 1.4),
                feature("petal_width", 0.2));
    }

    public static PredictRequest request(Feature... features) {
        return PredictRequest.newBuilder().addAllFeatures(List.of(features)).build();
    }

    public static PredictRequest request(IrisMeasurements m) {
        return request(feature("sepal_length", m.sepalLength()), feature("sepal_width", m.sepalWidth()),
                feature("petal_length", m.petalLength()), feature("petal_width", m.petalWidth()));
    }
}
