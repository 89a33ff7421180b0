package dev.siskin.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/** Locates the repository from the client module (where Maven runs its tests) and reads its files. */
final class RepoFiles {
  private RepoFiles() {}

  static Path root() {
    Path root = Path.of("").toAbsolutePath().getParent();
    assertThat(root.resolve("pom.xml")).as("the repository root above the client module").exists();
    assertThat(root.resolve("client/pom.xml")).exists();
    return root;
  }

  static Map<String, Object> yaml(Path file) throws IOException {
    try (var in = Files.newInputStream(file)) {
      Map<String, Object> doc = new Yaml().load(in);
      assertThat(doc).as(file + " parses to a mapping").isNotNull();
      return doc;
    }
  }

  /** The parent pom's version: it has no parent, so its first version element is its own. */
  static String projectVersion() throws IOException {
    Matcher m = Pattern.compile("<version>([^<]+)</version>").matcher(Files.readString(root().resolve("pom.xml")));
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object value, String what) {
    assertThat(value).as(what).isInstanceOf(Map.class);
    return (Map<String, Object>) value;
  }
}
