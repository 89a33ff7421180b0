package dev.siskin.router.canary;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the predicted class of every Predict call each backend served, without any shadow traffic: the
 * unpaired view of "does v2 answer like v1", from the calls the split sends each way. The distance between two
 * backends' distributions (PSI and a chi-square p-value) is on {@link ClassDistributionSnapshot#distance}.
 *
 * <p>Bounded: at most {@value #MAX_BACKENDS} backend names (backends come from the config, but reloads may bring
 * new ones for the life of the process) and {@value #MAX_CLASSES} classes; later ones are counted under
 * {@value BoundedLabels#OTHER}.
 *
 * <p>Thread-safe, for the proxy's event-loop threads: recording is one protobuf parse of the small response and
 * {@link LongAdder} increments, no lock once the backend and class are known.
 */
public final class ClassDistribution {
  public static final int MAX_BACKENDS = 64;
  public static final int MAX_CLASSES = 16;

  private final BoundedLabels backendNames = new BoundedLabels(MAX_BACKENDS);
  private final BoundedLabels classes = new BoundedLabels(MAX_CLASSES);
  private final Counts[] backends = new Counts[backendNames.size()];

  /** One backend's counters: one per class index, and the unparseable responses. */
  private static final class Counts {
    final LongAdder[] byClass;
    final LongAdder unparseable = new LongAdder();

    Counts(int classes) {
      byClass = new LongAdder[classes];
      for (int i = 0; i < classes; i++) {
        byClass[i] = new LongAdder();
      }
    }
  }

  public ClassDistribution() {
    for (int i = 0; i < backends.length; i++) {
      backends[i] = new Counts(classes.size());
    }
  }

  /**
   * Counts one Predict call that {@code backend} answered OK to a client (a served call, not a shadow copy).
   *
   * @param response the response message; one that is not a valid PredictResponse is counted as unparseable
   */
  public void recordServed(String backend, byte[] response) {
    Counts counts = backends[backendNames.index(backend)];
    Optional<PredictAnswer> answer = PredictAnswer.decode(response);
    if (answer.isPresent()) {
      counts.byClass[classes.index(answer.get().prediction())].increment();
    } else {
      counts.unparseable.increment();
    }
  }

  public ClassDistributionSnapshot snapshot() {
    long[][] byClass = new long[backends.length][classes.size()];
    long[] unparseable = new long[backends.length];
    for (int b = 0; b < backends.length; b++) {
      for (int k = 0; k < classes.size(); k++) {
        byClass[b][k] = backends[b].byClass[k].sum();
      }
      unparseable[b] = backends[b].unparseable.sum();
    }
    // Names after counts: a counted backend or class was admitted before its count, so it is named.
    String[] backendLabels = backendNames.labelsByIndex();
    String[] classLabels = classes.labelsByIndex();
    Map<String, BackendClasses> out = new LinkedHashMap<>();
    for (int b = 0; b < backends.length; b++) {
      if (backendLabels[b] == null) {
        continue;
      }
      Map<String, Long> counts = new LinkedHashMap<>();
      long total = unparseable[b];
      for (int k = 0; k < classLabels.length; k++) {
        // The shared __other__ class only when some backend has a count in it.
        if (classLabels[k] != null && (k < MAX_CLASSES || anyCount(byClass, k))) {
          counts.put(classLabels[k], byClass[b][k]);
          total += byClass[b][k];
        }
      }
      if (total > 0) {
        out.put(backendLabels[b], new BackendClasses(counts, unparseable[b]));
      }
    }
    return new ClassDistributionSnapshot(out);
  }

  private static boolean anyCount(long[][] byClass, int k) {
    for (long[] counts : byClass) {
      if (counts[k] != 0) {
        return true;
      }
    }
    return false;
  }
}
