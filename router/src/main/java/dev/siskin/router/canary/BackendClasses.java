package dev.siskin.router.canary;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The predicted classes of one backend's served Predict calls.
 *
 * @param byClass     calls per class, for every class any backend has predicted (0 included, in the order the
 *                    classes were first seen), so that the backends' tables line up
 * @param unparseable OK responses that were not a valid PredictResponse (see {@link PredictAnswer#decode}), in no
 *                    class
 */
public record BackendClasses(Map<String, Long> byClass, long unparseable) {
  public BackendClasses {
    byClass = Collections.unmodifiableMap(new LinkedHashMap<>(byClass));
  }

  /** Calls with a valid prediction: the sum of {@link #byClass()}. */
  public long predictions() {
    return byClass.values().stream().mapToLong(Long::longValue).sum();
  }
}
