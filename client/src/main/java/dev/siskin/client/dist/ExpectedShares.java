package dev.siskin.client.dist;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The split a distribution check compares against: a weight per backend name, with where it came from.
 * Weights are relative, like the router's: {@code v1=90,v2=10} and {@code v1=9,v2=1} mean the same split.
 * Immutable.
 *
 * @param weights backend name to weight (>= 0, at least one > 0), in the order given
 * @param source  where the weights came from, for the report (e.g. "--expect")
 */
public record ExpectedShares(Map<String, Double> weights, String source) {
  public ExpectedShares {
    weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    if (weights.isEmpty()) {
      throw new IllegalArgumentException("no backends (expected: at least one NAME=WEIGHT)");
    }
    double total = 0;
    for (Map.Entry<String, Double> e : weights.entrySet()) {
      double w = e.getValue();
      if (!Double.isFinite(w) || w < 0) {
        throw new IllegalArgumentException("weight of '" + e.getKey() + "': " + e.getValue() + " (expected: >= 0)");
      }
      total += w;
    }
    if (total <= 0) {
      throw new IllegalArgumentException("all weights are 0 (expected: at least one > 0)");
    }
  }

  /**
   * Parses {@code --expect} text such as {@code v1=90,v2=10}. Errors name the offending part and the expected form.
   */
  public static ExpectedShares parse(String text) {
    String syntax = "expected NAME=WEIGHT[,NAME=WEIGHT...] such as v1=90,v2=10";
    Map<String, Double> weights = new LinkedHashMap<>();
    if (text.isBlank()) {
      throw new IllegalArgumentException("'" + text + "': " + syntax);
    }
    for (String part : text.split(",", -1)) {
      int eq = part.indexOf('=');
      String name = eq < 0 ? "" : part.substring(0, eq).trim();
      if (eq < 0 || name.isEmpty()) {
        throw new IllegalArgumentException("'" + part + "' in '" + text + "': " + syntax);
      }
      String value = part.substring(eq + 1).trim();
      double weight;
      try {
        weight = Double.parseDouble(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("weight '" + value + "' of '" + name + "' is not a number; " + syntax);
      }
      if (!Double.isFinite(weight) || weight < 0) {
        throw new IllegalArgumentException("weight '" + value + "' of '" + name + "' (expected: a number >= 0)");
      }
      if (weights.put(name, weight) != null) {
        throw new IllegalArgumentException("backend '" + name + "' is given twice in '" + text + "'");
      }
    }
    return new ExpectedShares(weights, "--expect");
  }

  /** The share of {@code name} in [0, 1]; 0 for a name not listed. */
  public double share(String name) {
    double total = weights.values().stream().mapToDouble(Double::doubleValue).sum();
    return weights.getOrDefault(name, 0.0) / total;
  }

  /** True when both give every backend the same share (to within rounding). */
  public boolean sameSplitAs(ExpectedShares other) {
    Set<String> names = new HashSet<>(weights.keySet());
    names.addAll(other.weights.keySet());
    return names.stream().allMatch(n -> Math.abs(share(n) - other.share(n)) < 1e-9);
  }

  /** {@code v1=90,v2=10}, weights without a needless ".0". */
  public String describe() {
    StringBuilder b = new StringBuilder();
    weights.forEach((name, w) -> {
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(name).append('=').append(w == Math.rint(w) ? String.valueOf(w.longValue()) : String.valueOf(w));
    });
    return b.toString();
  }
}
