package dev.siskin.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Just enough of a Dockerfile reader for the static tests: instructions with continuation lines joined and
 * comments dropped, grouped into stages. Not a full parser (no heredocs, no escape directive).
 */
record Dockerfile(Path path, List<Stage> stages) {
  /** One instruction: upper-case keyword and the rest of the (joined) line. */
  record Instruction(String keyword, String args) {}

  /** A FROM and what follows it, up to the next FROM. */
  record Stage(String image, String name, List<Instruction> instructions) {
    List<String> all(String keyword) {
      return instructions.stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::args).toList();
    }

    Optional<String> last(String keyword) {
      List<String> found = all(keyword);
      return found.isEmpty() ? Optional.empty() : Optional.of(found.get(found.size() - 1));
    }
  }

  static Dockerfile read(Path path) throws IOException {
    List<Instruction> instructions = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    for (String line : Files.readAllLines(path)) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && pending.length() == 0)) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        pending.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      pending.append(trimmed);
      String full = pending.toString().strip();
      pending.setLength(0);
      if (full.isEmpty()) {
        continue;
      }
      int space = full.indexOf(' ');
      instructions.add(new Instruction(full.substring(0, space).toUpperCase(Locale.ROOT), full.substring(space + 1).strip()));
    }
    List<Stage> stages = new ArrayList<>();
    List<Instruction> current = null;
    for (Instruction i : instructions) {
      if (i.keyword().equals("FROM")) {
        String[] words = i.args().split("\\s+");
        String name = words.length == 3 && words[1].equalsIgnoreCase("AS") ? words[2] : null;
        current = new ArrayList<>();
        stages.add(new Stage(words[0], name, current));
      } else if (current != null) {
        current.add(i);
      }
    }
    return new Dockerfile(path, List.copyOf(stages));
  }

  Stage stage(String name) {
    return stages.stream().filter(s -> name.equals(s.name())).findFirst()
        .orElseThrow(() -> new AssertionError(path + " has no stage named " + name));
  }

  Stage runtime() {
    return stages.get(stages.size() - 1);
  }
}
