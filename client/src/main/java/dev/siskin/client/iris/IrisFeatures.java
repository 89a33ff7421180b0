package dev.siskin.client.iris;

import dev.siskin.proto.v1.Feature;
import dev.siskin.proto.v1.PredictRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds Predict requests from the four Iris measurements (cm), given by position or by name. */
public final class IrisFeatures {
  /** The wire names, in the order positional values are taken. */
  public static final List<String> NAMES = List.of("sepal_length", "sepal_width", "petal_length", "petal_width");

  private IrisFeatures() {}

  /** A typical setosa flower: every model version classifies it, so it is the distribution check's fixed call. */
  public static PredictRequest sample() {
    return fromPositional(List.of("5.1", "3.5", "1.4", "0.2"));
  }

  /** Four values in {@link #NAMES} order, as typed on the command line. */
  public static PredictRequest fromPositional(List<String> values) {
    if (values.size() != NAMES.size()) {
      throw new IllegalArgumentException("expected 4 values (" + String.join(" ", NAMES) + "), got "
          + values.size() + ": " + String.join(" ", values));
    }
    Map<String, Double> named = new LinkedHashMap<>();
    for (int i = 0; i < NAMES.size(); i++) {
      named.put(NAMES.get(i), parseValue(NAMES.get(i), values.get(i).trim()));
    }
    return request(named);
  }

  /**
   * {@code name=value} pairs, each of the four names exactly once, any order. Checked here so that a typo gets
   * a message listing the valid names instead of a round trip to the server.
   */
  public static PredictRequest fromNamed(List<String> pairs) {
    Map<String, Double> named = new LinkedHashMap<>();
    for (String pair : pairs) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("feature '" + pair + "': expected NAME=VALUE such as sepal_length=5.1");
      }
      String name = pair.substring(0, eq).trim();
      String text = pair.substring(eq + 1).trim();
      if (!NAMES.contains(name)) {
        throw new IllegalArgumentException("feature '" + name + "' is unknown; expected one of " + NAMES);
      }
      if (named.containsKey(name)) {
        throw new IllegalArgumentException("feature '" + name + "' is given twice; give each feature once");
      }
      named.put(name, parseValue(name, text));
    }
    if (named.size() != NAMES.size()) {
      List<String> missing = NAMES.stream().filter(n -> !named.containsKey(n)).toList();
      throw new IllegalArgumentException("missing feature(s) " + missing + "; give all of " + NAMES);
    }
    return request(named);
  }

  private static double parseValue(String name, String text) {
    double value;
    try {
      value = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("feature '" + name + "': '" + text + "' is not a number (expected cm, e.g. 5.1)");
    }
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("feature '" + name + "': '" + text + "' is not a finite number");
    }
    return value;
  }

  private static PredictRequest request(Map<String, Double> named) {
    PredictRequest.Builder b = PredictRequest.newBuilder();
    named.forEach((name, value) -> b.addFeatures(Feature.newBuilder().setName(name).setValue(value)));
    return b.build();
  }
}
