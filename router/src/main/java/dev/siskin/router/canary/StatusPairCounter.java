package dev.siskin.router.canary;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/** Counts pairs by (primary code, shadow code): a fixed 17 x 17 table of adders. Thread-safe, lock-free. */
final class StatusPairCounter {
  private static final Status.Code[] CODES = Status.Code.values();

  private final LongAdder[] counts = new LongAdder[CODES.length * CODES.length];

  StatusPairCounter() {
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
  }

  void record(Status.Code primary, Status.Code shadow) {
    counts[primary.ordinal() * CODES.length + shadow.ordinal()].increment();
  }

  /** The pairs seen at least once, by primary code then shadow code. */
  List<StatusPair> snapshot() {
    List<StatusPair> out = new ArrayList<>();
    for (int i = 0; i < counts.length; i++) {
      long n = counts[i].sum();
      if (n != 0) {
        out.add(new StatusPair(CODES[i / CODES.length], CODES[i % CODES.length], n));
      }
    }
    return List.copyOf(out);
  }
}
