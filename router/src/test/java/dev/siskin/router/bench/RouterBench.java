package dev.siskin.router.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Router overhead benchmark (not a test). Starts a trivial unary backend and three routers (separate JVMs on
 * loopback, all the production {@code RouterServer}): without call listeners, with metrics (as router.jar
 * runs by default: access log off), and with metrics and the access log on (text, to a file). Then from
 * this JVM, in every round, one variant after the other (direct, A, B, C, direct, A, B, C, ...): latency
 * of sequential unary calls (p50, p99) for a 100 B and a 64 KiB message, and throughput of N concurrent
 * callers. Prints each round, the medians over rounds and the ratios. Run: {@code scripts/bench-router.sh}.
 *
 * <p>Arguments (all optional): rounds (5), sequential calls per round (5000), callers (16), seconds per
 * throughput run (3).
 */
public final class RouterBench {
  private static final String ACCESS_LOG_MODE = "metrics+access-log";

  private RouterBench() {}

  /** One way of calling the backend: directly or through one of the routers. Counts every call it makes. */
  private record Variant(String name, ManagedChannel channel, AtomicLong calls) {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int calls = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
    int callers = args.length > 2 ? Integer.parseInt(args[2]) : 16;
    int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    Path accessLog = Path.of(System.getProperty("siskin.bench.access-log", "target/bench-access.log"))
        .toAbsolutePath();

    System.out.printf("%s cores=%d java=%s load average at start: %s%n", LocalDate.now(),
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), loadAverage());
    try (Child backend = Child.start(BenchBackend.class.getName(), List.of());
         Child bare = Child.start(BenchRouter.class.getName(), List.of(), backend.target(), "bare");
         Child metrics = Child.start(BenchRouter.class.getName(), List.of(), backend.target(), "metrics");
         Child logged = Child.start(BenchRouter.class.getName(),
             List.of("-Dsiskin.bench.access-log=" + accessLog), backend.target(), ACCESS_LOG_MODE)) {
      List<Variant> variants = List.of(
          variant("direct", backend), variant("A router, no listeners", bare),
          variant("B router + metrics", metrics), variant("C router + metrics + access log", logged));
      run(variants, rounds, calls, callers, seconds);
      for (Variant v : variants) {
        v.channel().shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
      long made = variants.get(3).calls().get();
      logged.close(); // flushes the access log
      long lines = countLines(accessLog);
      System.out.printf("access log: %d lines in %s for %d calls through C (%d dropped by the full queue)%n",
          lines, accessLog, made, made - lines);
    }
    System.out.printf("load average at end: %s%n", loadAverage());
  }

  private static Variant variant(String name, Child child) {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", child.port).usePlaintext()
        .maxInboundMessageSize(16 << 20).build();
    return new Variant(name, channel, new AtomicLong());
  }

  private static void run(List<Variant> variants, int rounds, int calls, int callers, int seconds)
      throws Exception {
    SimpleRequest small = SimpleRequest.newBuilder().setRequestMessage("x".repeat(100)).build();
    SimpleRequest large = SimpleRequest.newBuilder().setRequestMessage("x".repeat(64 << 10)).build();
    for (Variant v : variants) { // warm-up: JIT every path and every process
      latency(v, small, 20_000);
      latency(v, large, 2_000);
      throughput(v, small, callers, 2);
    }
    Map<String, Map<String, List<Double>>> results = new LinkedHashMap<>();
    for (int round = 1; round <= rounds; round++) {
      System.out.println("round " + round + ":");
      for (Variant v : variants) {
        double[] smallLat = latency(v, small, calls);
        double[] largeLat = latency(v, large, calls / 5);
        double rate = throughput(v, small, callers, seconds);
        Map<String, List<Double>> r = results.computeIfAbsent(v.name(), k -> new LinkedHashMap<>());
        record(r, "p50 100B", smallLat[0]);
        record(r, "p99 100B", smallLat[1]);
        record(r, "p50 64KiB", largeLat[0]);
        record(r, "p99 64KiB", largeLat[1]);
        record(r, "calls/s", rate);
        System.out.printf("  %-32s 100B p50 %5.0f us p99 %6.0f us | 64KiB p50 %5.0f us p99 %6.0f us | %7.0f calls/s%n",
            v.name(), smallLat[0], smallLat[1], largeLat[0], largeLat[1], rate);
      }
    }
    System.out.printf("medians over %d rounds (%d sequential calls, %d callers for %d s):%n", rounds, calls,
        callers, seconds);
    System.out.printf("  %-32s %9s %9s %10s %10s %10s%n", "", "p50 100B", "p99 100B", "p50 64KiB", "p99 64KiB",
        "calls/s");
    results.forEach((name, r) -> System.out.printf("  %-32s %6.0f us %6.0f us %7.0f us %7.0f us %10.0f%n", name,
        median(r.get("p50 100B")), median(r.get("p99 100B")), median(r.get("p50 64KiB")),
        median(r.get("p99 64KiB")), median(r.get("calls/s"))));
    double direct = median(results.get(variants.get(0).name()).get("calls/s"));
    double bare = median(results.get(variants.get(1).name()).get("calls/s"));
    double metrics = median(results.get(variants.get(2).name()).get("calls/s"));
    double logged = median(results.get(variants.get(3).name()).get("calls/s"));
    System.out.printf("  throughput ratios: A/direct %.3f, B/A (metrics on/off) %.3f, C/A (access log + metrics"
        + " / off) %.3f, C/B (access log on/off) %.3f%n", bare / direct, metrics / bare, logged / bare,
        logged / metrics);
    // Paired per round: each round's variants ran back to back, so a round's ratio cancels slow drifts of
    // the machine's load that the medians of the separate columns keep.
    System.out.printf("  throughput ratios per round, median: B/A %.3f, C/A %.3f, C/B %.3f%n",
        medianRatio(results, variants.get(2).name(), variants.get(1).name()),
        medianRatio(results, variants.get(3).name(), variants.get(1).name()),
        medianRatio(results, variants.get(3).name(), variants.get(2).name()));
    System.out.printf("  added p50 100B vs direct: A %+.0f us, B %+.0f us, C %+.0f us%n",
        median(results.get(variants.get(1).name()).get("p50 100B")) - median(results.get("direct").get("p50 100B")),
        median(results.get(variants.get(2).name()).get("p50 100B")) - median(results.get("direct").get("p50 100B")),
        median(results.get(variants.get(3).name()).get("p50 100B")) - median(results.get("direct").get("p50 100B")));
  }

  private static double medianRatio(Map<String, Map<String, List<Double>>> results, String over, String under) {
    List<Double> a = results.get(over).get("calls/s");
    List<Double> b = results.get(under).get("calls/s");
    List<Double> ratios = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      ratios.add(a.get(i) / b.get(i));
    }
    return median(ratios);
  }

  /** Sequential calls; returns {p50, p99} in microseconds. */
  private static double[] latency(Variant variant, SimpleRequest request, int calls) {
    SimpleServiceGrpc.SimpleServiceBlockingStub stub = SimpleServiceGrpc.newBlockingStub(variant.channel());
    long[] nanos = new long[calls];
    for (int i = 0; i < calls; i++) {
      long start = System.nanoTime();
      stub.withDeadlineAfter(10, TimeUnit.SECONDS).unaryRpc(request);
      nanos[i] = System.nanoTime() - start;
    }
    variant.calls().addAndGet(calls);
    Arrays.sort(nanos);
    return new double[] {nanos[calls / 2] / 1e3, nanos[(int) (calls * 0.99)] / 1e3};
  }

  /** N callers, each calling in a loop for the given time; returns completed calls per second. */
  private static double throughput(Variant variant, SimpleRequest request, int callers, int seconds)
      throws InterruptedException {
    SimpleServiceGrpc.SimpleServiceBlockingStub stub = SimpleServiceGrpc.newBlockingStub(variant.channel());
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong done = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      Thread thread = new Thread(() -> {
        while (!stop.get()) {
          stub.withDeadlineAfter(10, TimeUnit.SECONDS).unaryRpc(request);
          done.incrementAndGet();
          variant.calls().incrementAndGet();
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

  private static void record(Map<String, List<Double>> results, String name, double value) {
    results.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
  }

  private static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return sorted[sorted.length / 2];
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  private static long countLines(Path file) throws IOException {
    if (!Files.exists(file)) {
      return 0;
    }
    try (Stream<String> lines = Files.lines(file)) {
      return lines.count();
    }
  }

  /** A child JVM on this JVM's classpath; closed by closing its stdin, then destroyed by PID if needed. */
  private static final class Child implements AutoCloseable {
    final Process process;
    final int port;

    private Child(Process process, int port) {
      this.process = process;
      this.port = port;
    }

    String target() {
      return "127.0.0.1:" + port;
    }

    static Child start(String mainClass, List<String> jvmOptions, String... args) throws Exception {
      List<String> command = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), "-Xmx512m",
          "-Dlogback.configurationFile=bench-logback.xml"));
      command.addAll(jvmOptions);
      command.add(mainClass);
      command.addAll(List.of(args));
      Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      int port = -1;
      for (int i = 0; i < 100 && port < 0; i++) { // bounded: the port line comes first, after a few log lines at most
        String line = out.readLine();
        if (line == null) {
          break;
        }
        if (line.startsWith("PORT ")) {
          port = Integer.parseInt(line.substring(5).trim());
        }
      }
      if (port < 0) {
        process.destroyForcibly();
        throw new IllegalStateException(mainClass + " " + String.join(" ", args) + " did not report its port");
      }
      return new Child(process, port);
    }

    @Override
    public void close() throws Exception {
      if (!process.isAlive()) {
        return;
      }
      process.getOutputStream().close();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
