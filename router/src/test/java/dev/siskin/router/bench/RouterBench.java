package dev.siskin.router.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Router overhead benchmark (not a test). Starts a trivial unary backend and the router as two separate JVMs
 * on loopback, then from this JVM measures, alternating direct and through-the-router in each round:
 * latency of sequential unary calls (p50, p99) for a small and a 64 KiB message, and throughput of N
 * concurrent callers. Prints each round and the medians over rounds. Run: {@code scripts/bench-router.sh}.
 *
 * <p>Arguments (all optional): rounds (5), sequential calls per round (5000), callers (16),
 * seconds per throughput run (3).
 */
public final class RouterBench {
  private RouterBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int calls = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
    int callers = args.length > 2 ? Integer.parseInt(args[2]) : 16;
    int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 3;

    try (Child backend = Child.start(BenchBackend.class.getName())) {
      try (Child router = Child.start(BenchRouter.class.getName(), "127.0.0.1:" + backend.port)) {
        System.out.printf("cores=%d java=%s router picker: %s%n", Runtime.getRuntime().availableProcessors(),
            System.getProperty("java.version"), router.picker);
        run(rounds, calls, callers, seconds, backend.port, router.port);
      }
    }
  }

  private static void run(int rounds, int calls, int callers, int seconds, int backendPort, int routerPort)
      throws Exception {
    ManagedChannel direct = channel(backendPort);
    ManagedChannel routed = channel(routerPort);
    SimpleRequest small = SimpleRequest.newBuilder().setRequestMessage("x".repeat(100)).build();
    SimpleRequest large = SimpleRequest.newBuilder().setRequestMessage("x".repeat(64 << 10)).build();
    // Warm-up: JIT both paths and both processes.
    latency(direct, small, 20_000);
    latency(routed, small, 20_000);
    latency(direct, large, 2_000);
    latency(routed, large, 2_000);
    throughput(direct, small, callers, 2);
    throughput(routed, small, callers, 2);

    Map<String, List<Double>> results = new TreeMap<>();
    for (int round = 1; round <= rounds; round++) {
      StringBuilder line = new StringBuilder("round " + round + ":");
      for (String path : List.of("direct", "routed")) {
        ManagedChannel channel = path.equals("direct") ? direct : routed;
        double[] smallLat = latency(channel, small, calls);
        double[] largeLat = latency(channel, large, calls / 5);
        double rate = throughput(channel, small, callers, seconds);
        record(results, path + " small p50 us", smallLat[0]);
        record(results, path + " small p99 us", smallLat[1]);
        record(results, path + " 64KiB p50 us", largeLat[0]);
        record(results, path + " 64KiB p99 us", largeLat[1]);
        record(results, path + " calls/s (" + callers + " callers)", rate);
        line.append(String.format(" %s small p50=%.0fus p99=%.0fus, 64KiB p50=%.0fus p99=%.0fus, %.0f calls/s;",
            path, smallLat[0], smallLat[1], largeLat[0], largeLat[1], rate));
      }
      System.out.println(line);
    }
    System.out.println("medians over " + rounds + " rounds:");
    results.forEach((name, values) -> System.out.printf("  %-32s %10.0f%n", name, median(values)));
    System.out.printf("  added latency small p50: %.0f us, p99: %.0f us; 64KiB p50: %.0f us; throughput routed/direct: %.2f%n",
        median(results.get("routed small p50 us")) - median(results.get("direct small p50 us")),
        median(results.get("routed small p99 us")) - median(results.get("direct small p99 us")),
        median(results.get("routed 64KiB p50 us")) - median(results.get("direct 64KiB p50 us")),
        median(results.get("routed calls/s (" + callers + " callers)"))
            / median(results.get("direct calls/s (" + callers + " callers)")));
    direct.shutdownNow();
    routed.shutdownNow();
  }

  /** Sequential calls; returns {p50, p99} in microseconds. */
  private static double[] latency(ManagedChannel channel, SimpleRequest request, int calls) {
    SimpleServiceGrpc.SimpleServiceBlockingStub stub = SimpleServiceGrpc.newBlockingStub(channel);
    long[] nanos = new long[calls];
    for (int i = 0; i < calls; i++) {
      long start = System.nanoTime();
      stub.withDeadlineAfter(10, TimeUnit.SECONDS).unaryRpc(request);
      nanos[i] = System.nanoTime() - start;
    }
    Arrays.sort(nanos);
    return new double[] {nanos[calls / 2] / 1e3, nanos[(int) (calls * 0.99)] / 1e3};
  }

  /** N callers, each calling in a loop for the given time; returns completed calls per second. */
  private static double throughput(ManagedChannel channel, SimpleRequest request, int callers, int seconds)
      throws InterruptedException {
    SimpleServiceGrpc.SimpleServiceBlockingStub stub = SimpleServiceGrpc.newBlockingStub(channel);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong done = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      Thread thread = new Thread(() -> {
        while (!stop.get()) {
          stub.withDeadlineAfter(10, TimeUnit.SECONDS).unaryRpc(request);
          done.incrementAndGet();
        }
      });
      thread.start();
      threads.add(thread);
    }
    long start = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    long count = done.get();
    long elapsed = System.nanoTime() - start;
    stop.set(true);
    for (Thread thread : threads) {
      thread.join();
    }
    return count / (elapsed / 1e9);
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().maxInboundMessageSize(16 << 20).build();
  }

  private static void record(Map<String, List<Double>> results, String name, double value) {
    results.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
  }

  private static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return sorted[sorted.length / 2];
  }

  /** A child JVM on this JVM's classpath; closed by closing its stdin, then destroyed by PID if needed. */
  private static final class Child implements AutoCloseable {
    final Process process;
    final int port;
    final String picker;

    private Child(Process process, int port, String picker) {
      this.process = process;
      this.port = port;
      this.picker = picker;
    }

    static Child start(String mainClass, String... args) throws Exception {
      List<String> command = new ArrayList<>(List.of(
          Path.javaBin(), "-cp", System.getProperty("java.class.path"), "-Xmx512m", mainClass));
      command.addAll(List.of(args));
      Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      int port = -1;
      String picker = "-";
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("PORT ")) {
          port = Integer.parseInt(line.substring(5).trim());
          if (!mainClass.endsWith("BenchRouter")) {
            break;
          }
        } else if (line.startsWith("PICKER ")) {
          picker = line.substring(7);
          break;
        }
      }
      if (port < 0) {
        process.destroyForcibly();
        throw new IllegalStateException(mainClass + " did not report its port");
      }
      return new Child(process, port, picker);
    }

    @Override
    public void close() throws Exception {
      process.getOutputStream().close();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  private static final class Path {
    static String javaBin() {
      return java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
  }
}
