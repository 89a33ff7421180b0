package dev.siskin.router.config;

import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigUtil;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Collects what is wrong with one config file, so the user sees every problem at once, and turns them into
 * one {@link ConfigException} whose message is a single line: {@code file:line: path: problem}, several
 * joined by {@code "; "} in line order. Not thread-safe: one instance per parse.
 */
final class Problems {
  private final Path file;
  private final List<Problem> problems = new ArrayList<>();
  /** What is accepted but worth telling the user (obsolete keys): logged, never a reason to reject. */
  private final List<Problem> notices = new ArrayList<>();

  Problems(Path file) {
    this.file = file;
  }

  /**
   * Records a problem.
   *
   * @param origin   where the offending value was written; its line is used when known
   * @param fallback where to point when {@code origin} has no line (e.g. a value from the environment)
   * @param path     the config path, e.g. {@code backends.v2.weight}
   * @param problem  the offending value and what was expected
   */
  void add(ConfigOrigin origin, ConfigOrigin fallback, String path, String problem) {
    problems.add(at(origin, fallback, path + ": " + problem));
  }

  /**
   * Records a notice: something the file may keep (it is accepted) but should change, e.g. a key the router no
   * longer reads. {@code text} starts with the config path; located as {@link #add} locates problems.
   */
  void addNotice(ConfigOrigin origin, ConfigOrigin fallback, String text) {
    notices.add(at(origin, fallback, text));
  }

  /** The notices in line order, each {@code file:line: text}. */
  List<String> notices() {
    return notices.stream().sorted(Comparator.comparingInt(Problem::line)).map(Problem::render).toList();
  }

  private Problem at(ConfigOrigin origin, ConfigOrigin fallback, String text) {
    ConfigOrigin at = origin;
    String suffix = "";
    if (origin == null || origin.lineNumber() < 0) {
      if (origin != null) {
        suffix = " [value from " + origin.description() + "]";
      }
      at = fallback;
    }
    int line = at == null ? -1 : at.lineNumber();
    String where = at != null && at.filename() != null ? at.filename() : file.toString();
    return new Problem(where, line, text + suffix);
  }

  /** Records a key that is not one of {@code known}, with a "did you mean" when one is close to it. */
  void addUnknownKey(ConfigOrigin origin, String path, String key, Set<String> known) {
    String suggestion = known.stream()
        .filter(k -> editDistance(k, key) <= 2)
        .findFirst()
        .map(k -> "did you mean " + k + "? ")
        .orElse("");
    add(origin, null, path,
        "unknown key (" + suggestion + "expected one of: " + String.join(", ", new TreeSet<>(known)) + ")");
  }

  /** Records a problem with the file as a whole (no line). */
  void addFileProblem(String problem) {
    problems.add(new Problem(file.toString(), -1, problem));
  }

  boolean isEmpty() {
    return problems.isEmpty();
  }

  void throwIfAny() throws ConfigException {
    if (problems.isEmpty()) {
      return;
    }
    throw new ConfigException(problems.stream()
        .sorted(Comparator.comparingInt(Problem::line))
        .map(Problem::render)
        .collect(Collectors.joining("; ")));
  }

  /** {@code backends."v 1".weight} for keys that need quoting, {@code backends.v1.weight} otherwise. */
  static String path(String... keys) {
    return ConfigUtil.joinPath(keys);
  }

  /** Levenshtein distance, for "did you mean" on short keys. */
  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(substitution, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private record Problem(String file, int line, String text) {
    String render() {
      return line >= 0 ? file + ":" + line + ": " + text : file + ": " + text;
    }
  }
}
