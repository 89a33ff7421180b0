package dev.siskin.router.cluster;

/**
 * The verdict of active health checks on one backend, with Envoy's thresholds: {@code unhealthyThreshold}
 * failed checks in a row turn a healthy backend unhealthy, {@code healthyThreshold} passed checks in a row
 * bring an unhealthy one back. The first result after start decides at once when it is definite -- a pass, or a
 * failure such as a refused connection or NOT_SERVING -- so a backend that is down when the router starts is
 * routed around after one check, and one that is up is not held back. A first check that merely got no answer
 * in time (a cold JVM on either side, a loaded machine) counts like any later failure, against the threshold:
 * taking a working backend out of rotation on one slow answer would leave the others to carry everything.
 *
 * <p>Not thread-safe: confined to the health thread (see {@link HealthChecker}).
 */
final class ActiveHealth {
  /** What the checks say. UNKNOWN until the first result; it is routed to, like HEALTHY. */
  enum Verdict { UNKNOWN, HEALTHY, UNHEALTHY }

  private Verdict verdict = Verdict.UNKNOWN;
  /** Consecutive results that disagree with the verdict. */
  private int streak;

  Verdict verdict() {
    return verdict;
  }

  /**
   * Records one check result.
   *
   * @param definite false for a failure that only says "no answer in time"; see the class Javadoc
   * @return true when the verdict changed
   */
  boolean record(boolean passed, boolean definite, int healthyThreshold, int unhealthyThreshold) {
    Verdict wanted = passed ? Verdict.HEALTHY : Verdict.UNHEALTHY;
    if (verdict == wanted) {
      streak = 0;
      return false;
    }
    streak++;
    int threshold = passed ? healthyThreshold : unhealthyThreshold;
    if ((verdict == Verdict.UNKNOWN && (passed || definite)) || streak >= threshold) {
      verdict = wanted;
      streak = 0;
      return true;
    }
    return false;
  }

  /** Forgets everything, e.g. when checks are turned off by a reload. Returns true when that changed the verdict. */
  boolean reset() {
    boolean changed = verdict != Verdict.UNKNOWN;
    verdict = Verdict.UNKNOWN;
    streak = 0;
    return changed;
  }
}
