package dev.siskin.router.metrics;

import dev.siskin.router.observe.CallListener;
import dev.siskin.router.observe.CallOutcome;
import io.grpc.Status;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** Builds and reports call outcomes as the proxy would, for tests. */
public final class CallOutcomes {
  public static final String PREDICT = "mlservice.v1.PredictionService/Predict";
  public static final String HEALTH = "mlservice.v1.PredictionService/Health";
  public static final Instant T0 = Instant.parse("2025-01-01T12:00:00.123Z");

  private CallOutcomes() {}

  public static CallOutcome outcome(String backend, String method, Status.Code code, long millis, long in, long out) {
    return new CallOutcome(backend, method, code, false, T0, TimeUnit.MILLISECONDS.toNanos(millis), in, out,
        "127.0.0.1:40000");
  }

  /**
   * A method name no server knows, as a misbehaving client sends them: {@code length} random letters with a
   * slash in the middle.
   */
  public static String randomMethodName(Random random, int length) {
    StringBuilder name = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      name.append(i == length / 2 ? '/' : (char) ('a' + random.nextInt(26)));
    }
    return name.toString();
  }

  /** Starts and finishes one call. */
  public static void call(CallListener l, String backend, String method, Status.Code code, long millis, long in,
      long out) {
    l.onCallStarted(backend, method);
    l.onCallFinished(outcome(backend, method, code, millis, in, out));
  }

  /**
   * The split the tests check against: 90 Predict calls to v1, all OK, lasting 1..90 ms; 10 to v2, of
   * which 7 OK and 3 UNAVAILABLE, lasting 1..10 ms; every request 50 bytes, every response 30 bytes
   * (UNAVAILABLE responses 0 bytes).
   */
  public static void feedKnownSplit(CallListener l) {
    for (int i = 1; i <= 90; i++) {
      call(l, "v1", PREDICT, Status.Code.OK, i, 50, 30);
    }
    for (int i = 1; i <= 10; i++) {
      boolean failed = i > 7;
      call(l, "v2", PREDICT, failed ? Status.Code.UNAVAILABLE : Status.Code.OK, i, 50, failed ? 0 : 30);
    }
  }
}
