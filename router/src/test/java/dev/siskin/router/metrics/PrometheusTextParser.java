package dev.siskin.router.metrics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests (the Java client 1.x has no
 * parser). It rejects what Prometheus would reject or what would lose data: malformed lines, bad metric
 * or label names, bad escapes, a TYPE after the family's samples or given twice, a family's samples
 * not kept together, samples whose suffix does not fit the family type, duplicate series, histogram
 * buckets without {@code le}.
 */
public final class PrometheusTextParser {
  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

  /** One sample line. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  /** One metric family: its TYPE, HELP and samples in order. */
  public record Family(String name, String type, String help, List<Sample> samples) {}

  private final Map<String, Family> families = new LinkedHashMap<>();
  private final Set<String> closedFamilies = new HashSet<>();
  private final Set<String> seriesSeen = new HashSet<>();
  private String currentFamily;
  private int lineNumber;

  private PrometheusTextParser() {}

  /** Parses a whole exposition; throws {@link IllegalArgumentException} naming the line on any violation. */
  public static Map<String, Family> parse(String text) {
    PrometheusTextParser p = new PrometheusTextParser();
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new IllegalArgumentException("exposition must end with a newline");
    }
    for (String line : text.split("\n", -1)) {
      p.lineNumber++;
      p.line(line);
    }
    return p.families;
  }

  private void line(String line) {
    if (line.isEmpty()) {
      return;
    }
    if (line.startsWith("#")) {
      comment(line);
      return;
    }
    sample(line);
  }

  private void comment(String line) {
    String[] parts = line.split(" ", 4);
    if (parts.length < 3 || !parts[0].equals("#") || !(parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
      return; // an ordinary comment
    }
    String name = parts[2];
    requireMatch(METRIC_NAME, name, "metric name");
    String rest = parts.length == 4 ? parts[3] : "";
    Family f = families.get(name);
    if (parts[1].equals("TYPE")) {
      if (!TYPES.contains(rest)) {
        throw fail("unknown type '" + rest + "'");
      }
      if (f != null && (f.type() != null || !f.samples().isEmpty())) {
        throw fail("TYPE of " + name + " given twice or after its samples");
      }
      families.put(name, new Family(name, rest, f == null ? null : f.help(), new ArrayList<>()));
    } else {
      if (f != null && f.help() != null) {
        throw fail("HELP of " + name + " given twice");
      }
      families.put(name, new Family(name, f == null ? null : f.type(), unescapeHelp(rest),
          f == null ? new ArrayList<>() : f.samples()));
    }
    enter(name);
  }

  private void sample(String line) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = line.substring(0, i);
    requireMatch(METRIC_NAME, name, "metric name");
    Map<String, String> labels = new TreeMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i = labels(line, i + 1, labels);
    }
    if (i >= line.length() || line.charAt(i) != ' ') {
      throw fail("expected a space before the value");
    }
    String[] valueAndTime = line.substring(i + 1).split(" ", -1);
    if (valueAndTime.length > 2) {
      throw fail("too many fields after the labels");
    }
    double value = parseValue(valueAndTime[0]);
    if (valueAndTime.length == 2) {
      try {
        Long.parseLong(valueAndTime[1]);
      } catch (NumberFormatException e) {
        throw fail("bad timestamp '" + valueAndTime[1] + "'");
      }
    }
    Family f = familyOf(name, labels);
    enter(f.name());
    if (!seriesSeen.add(name + labels)) {
      throw fail("duplicate series " + name + labels);
    }
    f.samples().add(new Sample(name, Map.copyOf(labels), value));
  }

  private Family familyOf(String sampleName, Map<String, String> labels) {
    for (String suffix : List.of("_bucket", "_count", "_sum")) {
      if (sampleName.endsWith(suffix)) {
        String base = sampleName.substring(0, sampleName.length() - suffix.length());
        Family f = families.get(base);
        if (f != null && ("histogram".equals(f.type()) || "summary".equals(f.type()))) {
          if (suffix.equals("_bucket")) {
            if (!f.type().equals("histogram")) {
              throw fail("_bucket sample in summary " + base);
            }
            if (!labels.containsKey("le")) {
              throw fail("bucket without le: " + sampleName + labels);
            }
            parseValue(labels.get("le"));
          }
          return f;
        }
      }
    }
    Family f = families.get(sampleName);
    if (f == null) {
      f = new Family(sampleName, "untyped", null, new ArrayList<>());
      families.put(sampleName, f);
      return f;
    }
    if ("histogram".equals(f.type())) {
      throw fail("histogram " + sampleName + " has a sample without _bucket/_sum/_count");
    }
    if ("summary".equals(f.type()) && !labels.containsKey("quantile")) {
      throw fail("summary sample without quantile: " + sampleName);
    }
    return f;
  }

  /** A family's lines must be contiguous: once another family starts, it may not come back. */
  private void enter(String family) {
    if (family.equals(currentFamily)) {
      return;
    }
    if (closedFamilies.contains(family)) {
      throw fail("samples of " + family + " are not kept together");
    }
    if (currentFamily != null) {
      closedFamilies.add(currentFamily);
    }
    currentFamily = family;
  }

  private int labels(String line, int i, Map<String, String> labels) {
    while (true) {
      if (i < line.length() && line.charAt(i) == '}') {
        return i + 1;
      }
      int eq = line.indexOf('=', i);
      if (eq < 0) {
        throw fail("label without '='");
      }
      String name = line.substring(i, eq);
      requireMatch(LABEL_NAME, name, "label name");
      if (eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
        throw fail("label value of " + name + " not quoted");
      }
      StringBuilder value = new StringBuilder();
      int j = eq + 2;
      while (true) {
        if (j >= line.length()) {
          throw fail("unterminated label value");
        }
        char c = line.charAt(j);
        if (c == '"') {
          break;
        }
        if (c == '\\') {
          if (j + 1 >= line.length()) {
            throw fail("dangling escape");
          }
          char e = line.charAt(j + 1);
          switch (e) {
            case '\\' -> value.append('\\');
            case '"' -> value.append('"');
            case 'n' -> value.append('\n');
            default -> throw fail("bad escape \\" + e);
          }
          j += 2;
        } else {
          value.append(c);
          j++;
        }
      }
      if (labels.put(name, value.toString()) != null) {
        throw fail("label " + name + " repeated");
      }
      i = j + 1;
      if (i < line.length() && line.charAt(i) == ',') {
        i++;
      } else if (i >= line.length() || line.charAt(i) != '}') {
        throw fail("expected ',' or '}' after label " + name);
      }
    }
  }

  private double parseValue(String s) {
    switch (s) {
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      case "NaN":
        return Double.NaN;
      default:
        if (!s.matches("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?")) {
          throw fail("bad number '" + s + "'");
        }
        return Double.parseDouble(s);
    }
  }

  private String unescapeHelp(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\') {
        out.append(c);
        continue;
      }
      if (i + 1 >= s.length()) {
        throw fail("dangling escape in HELP");
      }
      char e = s.charAt(++i);
      switch (e) {
        case '\\' -> out.append('\\');
        case 'n' -> out.append('\n');
        default -> throw fail("bad escape \\" + e + " in HELP");
      }
    }
    return out.toString();
  }

  private void requireMatch(Pattern p, String s, String what) {
    if (!p.matcher(s).matches()) {
      throw fail("bad " + what + " '" + s + "'");
    }
  }

  private IllegalArgumentException fail(String message) {
    return new IllegalArgumentException("line " + lineNumber + ": " + message);
  }
}
