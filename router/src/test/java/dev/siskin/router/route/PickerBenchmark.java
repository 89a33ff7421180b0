package dev.siskin.router.route;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;

/**
 * Prints the cost of one pick and of building a picker. Not a test: run it with
 * {@code mvn -B -q -pl router exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.siskin.router.route.PickerBenchmark}.
 * Each figure is the median of 7 rounds, after warm-up rounds, so one noisy round on a shared machine
 * does not decide it.
 */
public final class PickerBenchmark {
  private static final int ROUNDS = 7;
  private static final int PICKS = 5_000_000;
  private static volatile Object sink;

  public static void main(String[] args) throws Exception {
    List<String> two = List.of("v1", "v2");
    int[] canary = {90, 10};
    List<Integer> thousand = IntStream.range(0, 1000).boxed().toList();
    int[] small = IntStream.range(0, 1000).map(i -> 1 + i % 13).toArray();
    int[] huge = IntStream.range(0, 1000).map(i -> 999_000 + 7 * i + (i % 3)).toArray();

    System.out.printf("%-58s %12s%n", "picker", "ns/pick");
    report("smooth WRR, 2 backends 90/10, 1 thread", new SmoothWeightedRoundRobinPicker<>(two, canary), 1);
    report("smooth WRR, 2 backends 90/10, 2 threads", new SmoothWeightedRoundRobinPicker<>(two, canary), 2);
    report("smooth WRR, 1000 backends (stored nginx period), 1 thread",
        new SmoothWeightedRoundRobinPicker<>(thousand, small), 1);
    report("smooth WRR, 1000 backends ~10^6 each (stride), 1 thread",
        new SmoothWeightedRoundRobinPicker<>(thousand, huge), 1);
    report("random, 2 backends 90/10, 1 thread", new RandomWeightedPicker<>(two, canary), 1);
    report("random, 2 backends 90/10, 2 threads", new RandomWeightedPicker<>(two, canary), 2);
    report("random, 1000 backends, 1 thread", new RandomWeightedPicker<>(thousand, small), 1);

    System.out.printf("%n%-58s %12s%n", "construction", "ms");
    build("smooth WRR, 2 backends 90/10", () -> new SmoothWeightedRoundRobinPicker<>(two, canary));
    build("smooth WRR, 1000 backends, period 6,994 (stored)", () -> new SmoothWeightedRoundRobinPicker<>(thousand, small));
    // 32 items of ~30,000: a period of 960,496 and 31 million build steps, just under both bounds.
    int[] nearBudget = IntStream.range(0, 32).map(i -> 30_000 + i).toArray();
    List<Integer> items32 = IntStream.range(0, 32).boxed().toList();
    build("smooth WRR, 32 backends ~30,000 each (stored, ~2^20 period)",
        () -> new SmoothWeightedRoundRobinPicker<>(items32, nearBudget));
    build("smooth WRR, 1000 backends ~10^6 each (stride)", () -> new SmoothWeightedRoundRobinPicker<>(thousand, huge));
  }

  private static void report(String name, WeightedPicker<?> picker, int threads) throws Exception {
    for (int i = 0; i < 3; i++) {
      round(picker, threads);
    }
    double[] ns = new double[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
      ns[i] = round(picker, threads);
    }
    Arrays.sort(ns);
    System.out.printf("%-58s %12.1f%n", name, ns[ROUNDS / 2]);
  }

  /** Nanoseconds per pick, counting the picks of all threads against the wall time of the round. */
  private static double round(WeightedPicker<?> picker, int threads) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread w = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        Object last = null;
        for (int i = 0; i < PICKS; i++) {
          last = picker.pick();
        }
        sink = last;
      });
      w.start();
      workers.add(w);
    }
    long t0 = System.nanoTime();
    start.countDown();
    for (Thread w : workers) {
      w.join();
    }
    return (System.nanoTime() - t0) / (double) ((long) PICKS * threads);
  }

  private static void build(String name, java.util.function.Supplier<?> factory) {
    for (int i = 0; i < 2; i++) {
      sink = factory.get();
    }
    double[] ms = new double[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
      long t0 = System.nanoTime();
      sink = factory.get();
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    Arrays.sort(ms);
    System.out.printf("%-58s %12.2f   %s%n", name, ms[ROUNDS / 2], sink);
  }
}
