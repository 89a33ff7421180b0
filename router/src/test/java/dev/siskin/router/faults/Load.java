package dev.siskin.router.faults;

import dev.siskin.proto.v1.Feature;
import dev.siskin.proto.v1.PredictRequest;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * Client threads calling Predict through the router back to back, each call with a deadline, recording
 * when it started, which backend answered ({@code x-canary-backend}) and how it ended. Bounded: each thread
 * stops after {@code maxCallsPerThread} calls or when {@link #stop()} is called.
 */
final class Load implements AutoCloseable {
  static final Metadata.Key<String> BACKEND = Metadata.Key.of("x-canary-backend", Metadata.ASCII_STRING_MARSHALLER);
  static final PredictRequest SETOSA = PredictRequest.newBuilder()
      .addFeatures(feature("sepal_length", 5.1)).addFeatures(feature("sepal_width", 3.5))
      .addFeatures(feature("petal_length", 1.4)).addFeatures(feature("petal_width", 0.2))
      .build();

  /** One finished call. {@code backend} is null when no response header arrived. */
  record Call(long startNanos, long endNanos, String backend, Status.Code code, String description) {
    boolean ok() {
      return code == Status.Code.OK;
    }
  }

  private final ManagedChannel channel;
  private final List<Thread> threads = new ArrayList<>();
  private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
  private volatile boolean stopped;

  Load(int routerPort, int threadCount, long deadlineMillis, int maxCallsPerThread) {
    channel = NettyChannelBuilder.forAddress("127.0.0.1", routerPort).usePlaintext().build();
    // One call with a generous deadline first: connecting to a router that has just started can take
    // seconds on a busy machine, which is not what the short deadlines of the load are about.
    Call warmUp = call(channel, 30_000);
    if (!warmUp.ok()) {
      throw new AssertionError("the router did not answer a first call: " + warmUp);
    }
    for (int t = 0; t < threadCount; t++) {
      Thread thread = new Thread(() -> run(deadlineMillis, maxCallsPerThread), "load-" + t);
      thread.setDaemon(true);
      threads.add(thread);
    }
    threads.forEach(Thread::start);
  }

  private static Feature feature(String name, double value) {
    return Feature.newBuilder().setName(name).setValue(value).build();
  }

  private void run(long deadlineMillis, int maxCalls) {
    for (int i = 0; i < maxCalls && !stopped; i++) {
      calls.add(call(channel, deadlineMillis));
    }
  }

  static Call call(ManagedChannel channel, long deadlineMillis) {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    long start = System.nanoTime();
    Status status;
    try {
      var response = PredictionServiceGrpc.newBlockingStub(channel)
          .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
          .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
          .predict(SETOSA);
      status = response.getPrediction().equals("setosa") ? Status.OK
          : Status.INTERNAL.withDescription("wrong prediction " + response.getPrediction());
    } catch (StatusRuntimeException e) {
      status = e.getStatus();
    }
    Metadata h = headers.get();
    return new Call(start, System.nanoTime(), h == null ? null : h.get(BACKEND), status.getCode(),
        status.getDescription());
  }

  List<Call> calls() {
    return new ArrayList<>(calls);
  }

  List<Call> startedAfter(long nanos) {
    return calls().stream().filter(c -> c.startNanos() >= nanos).toList();
  }

  List<Call> failures() {
    return calls().stream().filter(c -> !c.ok()).toList();
  }

  /** Waits until {@code n} more calls have finished (at most 60 s). */
  void awaitMore(int n) throws InterruptedException {
    int target = calls.size() + n;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (calls.size() < target && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    if (calls.size() < target) {
      throw new AssertionError("load made only " + calls.size() + " of " + target + " calls within 60 s");
    }
  }

  static String describe(List<Call> calls) {
    return calls.stream().limit(20).map(c -> c.code() + " from " + c.backend() + ": " + c.description())
        .collect(Collectors.joining("\n"));
  }

  /** Waits for every thread to make all its calls (at most 60 s each). */
  void join() throws InterruptedException {
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(60));
    }
  }

  void stop() throws InterruptedException {
    stopped = true;
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(60));
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }
}
