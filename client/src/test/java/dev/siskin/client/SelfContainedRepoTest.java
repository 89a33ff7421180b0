package dev.siskin.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The repository speaks of itself alone: every file it names is in it. A reader of a clone must find what a
 * comment, a doc or a link points to; a path of one developer's machine or of a folder beside the clone is
 * a dead end for everyone else.
 */
class SelfContainedRepoTest {
  /** Top-level folders of the repository: a path starting with one of them must exist. */
  private static final Set<String> TOP = Set.of("docs", "scripts", "config", "proto", "router", "client",
      "model-server", "models", "interop", "data", "deploy", ".ci", ".github", "tls", "testkit");
  private static final Pattern REPO_PATH = Pattern.compile(
      "(?<![\\w./-])((?:" + String.join("|", TOP).replace(".", "\\.") + ")/[\\w./-]*[\\w-])");
  private static final Pattern MD_LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
  /** Names of files that live outside the repository, and absolute paths of a build machine. */
  private static final Pattern OUTSIDE = Pattern.compile(
      "\\.\\./shared|CONTRACTS" + "\\.md|STYLE" + "\\.md|/(?:work|root)/|/home/[a-z]");

  @Test
  void everyNamedRepositoryPathExists() throws IOException {
    Path root = RepoFiles.root();
    List<String> missing = new ArrayList<>();
    for (Path file : textFiles(root)) {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      Matcher m = REPO_PATH.matcher(text);
      while (m.find()) {
        String named = m.group(1).replaceAll("[.]+$", "");
        if (!Files.exists(root.resolve(named)) && !generated(named) && !prefixOfAFile(root, named)
            && !MISSING_ON_PURPOSE.contains(named)) {
          missing.add(root.relativize(file) + ": " + named);
        }
      }
    }
    assertThat(missing).as("paths named in the repository that do not exist in it").isEmpty();
  }

  @Test
  void everyMarkdownLinkResolvesInsideTheRepository() throws IOException {
    Path root = RepoFiles.root();
    List<String> broken = new ArrayList<>();
    for (Path file : textFiles(root)) {
      if (!file.toString().endsWith(".md")) {
        continue;
      }
      Matcher m = MD_LINK.matcher(Files.readString(file, StandardCharsets.UTF_8));
      while (m.find()) {
        String target = m.group(1).replaceAll("#.*$", "");
        if (target.isEmpty() || target.matches("^[a-z]+:.*")) {
          continue; // an anchor in the same page, or http(s)/mailto
        }
        Path resolved = file.getParent().resolve(target).normalize();
        if (!resolved.startsWith(root) || !Files.exists(resolved)) {
          broken.add(root.relativize(file) + ": (" + m.group(1) + ")");
        }
      }
    }
    assertThat(broken).as("markdown links that leave the repository or point at nothing").isEmpty();
  }

  @Test
  void noFileNamesAPlaceOutsideTheRepository() throws IOException {
    Path root = RepoFiles.root();
    List<String> found = new ArrayList<>();
    for (Path file : textFiles(root)) {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      if (file.getFileName().toString().equals("SelfContainedRepoTest.java")) {
        continue; // holds the pattern itself
      }
      for (int i = 0; i < lines.size(); i++) {
        if (OUTSIDE.matcher(lines.get(i)).find()) {
          found.add(root.relativize(file) + ":" + (i + 1) + ": " + lines.get(i).strip());
        }
      }
    }
    assertThat(found).as("lines that name files outside the repository or a machine's absolute paths").isEmpty();
  }

  /** Paths named to show what happens when a file is missing. */
  private static final Set<String> MISSING_ON_PURPOSE = Set.of(
      "models/iris-v9.9.9.tribuo", // ModelServerStartupIT: a model file that does not exist
      "models/x.tribuo");          // docs/model-server.md: the error for a missing model file

  /** {@code "models/iris-" + version}, or {@code models/iris-v1.0.0.*}: the start of a file's path. */
  private static boolean prefixOfAFile(Path root, String named) throws IOException {
    Path dir = root.resolve(named).getParent();
    String start = root.resolve(named).getFileName().toString();
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> list = Files.list(dir)) {
      return list.anyMatch(p -> p.getFileName().toString().startsWith(start));
    }
  }

  /** Paths that scripts and builds create, named in docs as where output goes. */
  private static boolean generated(String path) {
    return path.contains("/target/") || path.endsWith("/target") || path.contains("XXXXXX")
        || path.matches(".*[*{}$<>].*");
  }

  /** Every tracked-looking text file: the tree minus build output, VCS data (a worktree's .git file too), run state and binaries. */
  private static List<Path> textFiles(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> {
            String rel = root.relativize(p).toString();
            return !rel.startsWith(".git/") && !rel.equals(".git") && !rel.contains("target/") && !rel.startsWith(".run/")
                && !rel.contains("node_modules/") && !rel.startsWith(".idea/");
          })
          .filter(SelfContainedRepoTest::isText)
          .toList();
    }
  }

  private static boolean isText(Path p) {
    try {
      byte[] head = Files.readAllBytes(p);
      for (int i = 0; i < Math.min(head.length, 8192); i++) {
        if (head[i] == 0) {
          return false;
        }
      }
      StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(head)); // strict: binaries throw
      return head.length < 4 << 20;
    } catch (IOException e) { // CharacterCodingException included
      return false;
    }
  }
}
