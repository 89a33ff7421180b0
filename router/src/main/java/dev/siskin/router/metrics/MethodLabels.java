package dev.siskin.router.metrics;

import dev.siskin.router.observe.CallOutcome;
import io.grpc.Status;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides the {@code method} label a finished call is counted under, with one budget of methods for the
 * whole router. The router forwards any method name a client sends, so the label cannot simply be the name:
 * a client calling random long names would grow every backend's series (each method is about 20 series
 * that repeat the name) until a scrape no longer fits in the heap.
 *
 * <p>A method earns its own label the first time a backend answers it with OK. Only a server that implements
 * the method can answer OK, while a client can bring about any other status for a name no backend knows:
 * UNIMPLEMENTED (the backend's answer to an unknown name), CANCELLED and DEADLINE_EXCEEDED (the client ends or
 * times out the call), the router's own errors, and whatever a proxy or transport in between makes of a
 * malformed call. From then on every call of the method is counted under its name, on every backend and
 * whatever its status (also UNIMPLEMENTED from a canary that lacks it, and the router's own errors such as no
 * backend available). Until then its calls go to {@link #UNKNOWN}, with their real backend and code, so junk
 * names never take a place in the budget. The decision is made when a call ends because only the end tells
 * whether the method worked.
 *
 * <p>At most {@link #MAX_METHODS} methods earn a label, router-wide and for the life of the process; methods
 * answered OK past the budget, and those with names longer than {@link #MAX_NAME_CHARS}, go to {@link #OTHER}.
 *
 * <p>Thread-safe. {@link #label} takes no lock for a method that has its label; admitting one is serialized
 * so that the budget is exact.
 */
final class MethodLabels {
  static final int MAX_METHODS = 200;
  /** Real full method names are well below this (e.g. 38 for {@code mlservice.v1.PredictionService/Predict}). */
  static final int MAX_NAME_CHARS = 128;
  /** Methods no backend has answered OK yet, e.g. names the backends answer UNIMPLEMENTED. */
  static final String UNKNOWN = "__unknown__";
  /** Methods answered OK past the budget, or with names longer than {@link #MAX_NAME_CHARS}. */
  static final String OTHER = "__other__";

  private final Set<String> admitted = ConcurrentHashMap.newKeySet();

  /** The label to count {@code outcome} under; admits its method when this is its first answer. */
  String label(CallOutcome outcome) {
    String method = outcome.fullMethod();
    if (admitted.contains(method)) {
      return method;
    }
    if (outcome.code() != Status.Code.OK) {
      return UNKNOWN;
    }
    if (method.length() > MAX_NAME_CHARS) {
      return OTHER;
    }
    return admit(method) ? method : OTHER;
  }

  /** How many methods have a label of their own. */
  int admitted() {
    return admitted.size();
  }

  private boolean admit(String method) {
    if (admitted.size() >= MAX_METHODS) {
      return false; // the common case once the budget is spent: no lock
    }
    synchronized (this) {
      if (admitted.size() >= MAX_METHODS) {
        return false;
      }
      admitted.add(method);
      return true;
    }
  }
}
