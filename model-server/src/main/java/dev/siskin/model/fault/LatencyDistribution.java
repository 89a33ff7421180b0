package dev.siskin.model.fault;

import dev.siskin.model.config.SettingsException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Added latency drawn from a piecewise-linear inverse CDF given as percentiles.
 *
 * <p>Spec forms (FAULT_LATENCY_MS): {@code ""} = none; {@code "50"} = always 50 ms; {@code "p50=20,p99=200"} =
 * percentile points. Between points the latency is interpolated linearly; below the first point it rises from 0 ms
 * at p0 (unless p0 is given); above the last point it stays at the last value. So {@code p50=20,p99=200} gives a
 * median of 20 ms, a p99 of 200 ms and a maximum of 200 ms. Immutable.
 */
public final class LatencyDistribution {
    public static final LatencyDistribution NONE = new LatencyDistribution(new double[] {0, 100}, new double[] {0, 0}, "");

    private static final String EXPECTED = "expected: milliseconds like 50, or percentiles like p50=20,p99=200 "
            + "with percentiles 0-100 rising and values >= 0 not falling";

    // Parallel arrays of the points, sorted by percentile, starting at p0 and ending at p100.
    private final double[] percentiles;
    private final double[] millis;
    private final String spec;

    private LatencyDistribution(double[] percentiles, double[] millis, String spec) {
        this.percentiles = percentiles;
        this.millis = millis;
        this.spec = spec;
    }

    public static LatencyDistribution parse(String spec) throws SettingsException {
        String s = spec.strip();
        if (s.isEmpty()) {
            return NONE;
        }
        if (!s.contains("=")) {
            double fixed = number(s, spec);
            return new LatencyDistribution(new double[] {0, 100}, new double[] {fixed, fixed}, s);
        }
        List<double[]> points = new ArrayList<>();
        for (String part : s.split(",")) {
            String[] kv = part.strip().split("=", -1);
            if (kv.length != 2 || !kv[0].strip().toLowerCase(Locale.ROOT).startsWith("p")) {
                throw invalid(spec);
            }
            double p = number(kv[0].strip().substring(1), spec);
            double ms = number(kv[1], spec);
            double[] last = points.isEmpty() ? null : points.get(points.size() - 1);
            if (p > 100 || (last != null && (p <= last[0] || ms < last[1]))) {
                throw invalid(spec);
            }
            points.add(new double[] {p, ms});
        }
        if (points.get(0)[0] > 0) {
            points.add(0, new double[] {0, 0});
        }
        double[] end = points.get(points.size() - 1);
        if (end[0] < 100) {
            points.add(new double[] {100, end[1]});
        }
        double[] ps = points.stream().mapToDouble(pt -> pt[0]).toArray();
        double[] ms = points.stream().mapToDouble(pt -> pt[1]).toArray();
        return new LatencyDistribution(ps, ms, s);
    }

    private static double number(String text, String spec) throws SettingsException {
        try {
            double v = Double.parseDouble(text.strip());
            if (Double.isFinite(v) && v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(spec);
    }

    private static SettingsException invalid(String spec) {
        return new SettingsException("FAULT_LATENCY_MS=" + spec + " is not a latency spec (" + EXPECTED + ")");
    }

    public boolean isNone() {
        return this == NONE;
    }

    /**
     * The latency at quantile {@code u}.
     *
     * @param u uniform draw in [0, 1)
     * @return milliseconds, >= 0
     */
    public double millisAt(double u) {
        double p = u * 100;
        for (int i = 1; i < percentiles.length; i++) {
            if (p <= percentiles[i]) {
                double span = percentiles[i] - percentiles[i - 1];
                double t = span == 0 ? 1 : (p - percentiles[i - 1]) / span;
                return millis[i - 1] + t * (millis[i] - millis[i - 1]);
            }
        }
        return millis[millis.length - 1];
    }

    @Override
    public String toString() {
        return spec.isEmpty() ? "none" : spec + " ms";
    }
}
