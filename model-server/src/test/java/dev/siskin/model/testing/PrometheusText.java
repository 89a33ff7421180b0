package dev.siskin.model.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4: every line must be a HELP, TYPE or comment line,
 * or a sample {@code name{label="value",...} value [timestamp]} of a family declared by a TYPE line before it.
 * Anything else fails the parse. (The Prometheus Java client ships writers, not a parser.)
 */
public final class PrometheusText {
    public record Sample(String name, Map<String, String> labels, double value) {}

    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped", "info",
            "stateset", "unknown");
    private static final List<String> SUFFIXES = List.of("", "_total", "_created", "_bucket", "_count", "_sum", "_info");

    private final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = samples;
    }

    public static PrometheusText parse(String text) {
        Map<String, String> types = new HashMap<>();
        List<Sample> samples = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        if (!lines[lines.length - 1].isEmpty()) {
            throw new IllegalArgumentException("exposition must end with a newline");
        }
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            try {
                if (line.startsWith("# TYPE ")) {
                    String[] parts = line.substring(7).split(" ");
                    if (parts.length != 2 || !isMetricName(parts[0]) || !TYPES.contains(parts[1])
                            || types.put(parts[0], parts[1]) != null) {
                        throw new IllegalArgumentException("bad or repeated TYPE line");
                    }
                } else if (line.startsWith("# HELP ")) {
                    String rest = line.substring(7);
                    int space = rest.indexOf(' ');
                    if (!isMetricName(space < 0 ? rest : rest.substring(0, space))) {
                        throw new IllegalArgumentException("bad HELP line");
                    }
                } else if (line.startsWith("#")) {
                    continue; // a comment
                } else {
                    Sample sample = new LineParser(line).sample();
                    if (familyOf(sample.name(), types) == null) {
                        throw new IllegalArgumentException("sample of a family without a TYPE line");
                    }
                    samples.add(sample);
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("line " + (i + 1) + " '" + line + "': " + e.getMessage(), e);
            }
        }
        return new PrometheusText(List.copyOf(samples));
    }

    private static String familyOf(String sampleName, Map<String, String> types) {
        for (String suffix : SUFFIXES) {
            if (sampleName.endsWith(suffix)) {
                String family = sampleName.substring(0, sampleName.length() - suffix.length());
                if (types.containsKey(family)) {
                    return family;
                }
            }
        }
        return null;
    }

    private static boolean isMetricName(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                    || (i > 0 && c >= '0' && c <= '9');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The value of the one sample with this name whose labels include {@code labelPairs} (name, value, ...). */
    public double value(String name, String... labelPairs) {
        List<Sample> matches = samples.stream()
                .filter(s -> s.name().equals(name))
                .filter(s -> {
                    for (int i = 0; i < labelPairs.length; i += 2) {
                        if (!labelPairs[i + 1].equals(s.labels().get(labelPairs[i]))) {
                            return false;
                        }
                    }
                    return true;
                })
                .toList();
        if (matches.size() != 1) {
            throw new AssertionError(matches.size() + " samples match " + name + " " + List.of(labelPairs));
        }
        return matches.get(0).value();
    }

    /** Character-by-character parser of one sample line. */
    private static final class LineParser {
        private final String line;
        private int pos;

        LineParser(String line) {
            this.line = line;
        }

        Sample sample() {
            int start = pos;
            while (pos < line.length() && line.charAt(pos) != '{' && line.charAt(pos) != ' ') {
                pos++;
            }
            String name = line.substring(start, pos);
            if (!isMetricName(name)) {
                throw new IllegalArgumentException("bad metric name '" + name + "'");
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (peek() == '{') {
                pos++;
                while (peek() != '}') {
                    String label = labelName();
                    expect('=');
                    expect('"');
                    if (labels.put(label, labelValue()) != null) {
                        throw new IllegalArgumentException("repeated label " + label);
                    }
                    if (peek() == ',') {
                        pos++;
                    } else if (peek() != '}') {
                        throw new IllegalArgumentException("expected , or } at " + pos);
                    }
                }
                pos++;
            }
            expect(' ');
            String[] rest = line.substring(pos).split(" ", -1);
            if (rest.length > 2) {
                throw new IllegalArgumentException("trailing text");
            }
            double value = number(rest[0]);
            if (rest.length == 2) {
                Long.parseLong(rest[1]); // timestamp in ms
            }
            return new Sample(name, Map.copyOf(labels), value);
        }

        private String labelName() {
            int start = pos;
            while (pos < line.length() && (Character.isLetterOrDigit(line.charAt(pos)) || line.charAt(pos) == '_')) {
                pos++;
            }
            String name = line.substring(start, pos);
            if (name.isEmpty() || Character.isDigit(name.charAt(0))) {
                throw new IllegalArgumentException("bad label name at " + start);
            }
            return name;
        }

        private String labelValue() {
            StringBuilder value = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return value.toString();
                }
                if (c == '\\') {
                    char escaped = next();
                    switch (escaped) {
                        case '\\' -> value.append('\\');
                        case '"' -> value.append('"');
                        case 'n' -> value.append('\n');
                        default -> throw new IllegalArgumentException("bad escape \\" + escaped);
                    }
                } else {
                    value.append(c);
                }
            }
        }

        private static double number(String s) {
            return switch (s) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> {
                    if (s.isEmpty() || !s.matches("[-+]?[0-9.]+([eE][-+]?[0-9]+)?")) {
                        throw new IllegalArgumentException("bad value '" + s + "'");
                    }
                    yield Double.parseDouble(s);
                }
            };
        }

        private char peek() {
            if (pos >= line.length()) {
                throw new IllegalArgumentException("unexpected end of line");
            }
            return line.charAt(pos);
        }

        private char next() {
            char c = peek();
            pos++;
            return c;
        }

        private void expect(char c) {
            if (next() != c) {
                throw new IllegalArgumentException("expected '" + c + "' at " + (pos - 1));
            }
        }
    }
}
