package dev.siskin.model.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the repository the tests run in (Maven passes its root as {@code siskin.repo.root}). */
public final class Repo {
    private Repo() {}

    public static Path root() {
        String configured = System.getProperty("siskin.repo.root");
        Path root = (configured != null ? Path.of(configured) : Path.of("..")).toAbsolutePath().normalize();
        if (!Files.isDirectory(root.resolve("models"))) {
            throw new IllegalStateException("no models/ under " + root + " (run the tests through Maven)");
        }
        return root;
    }

    public static Path model(String version) {
        return root().resolve("models").resolve("iris-" + version + ".tribuo");
    }

    public static Path irisCsv() {
        return root().resolve("data").resolve("iris.csv");
    }
}
