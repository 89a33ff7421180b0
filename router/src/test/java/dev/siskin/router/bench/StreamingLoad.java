package dev.siskin.router.bench;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The streaming benchmark's client: runs STREAMS concurrent {@code ServerStreamingRpc} calls against
 * {@link StreamingBackend} (directly or through a proxy), each asking for COUNT messages of SIZE bytes, and
 * counts the messages that arrive. A call that ends with a non-OK status, or with a different number of
 * messages than asked for, fails the run (exit 1): the count is checked, not assumed.
 *
 * <p>Usage: {@code StreamingLoad HOST:PORT STREAMS COUNT SIZE [WARMUP_CALLS]}. Prints
 * {@code messages=N seconds=S msgs_per_s=R} for the measured calls (warm-up calls run first, unmeasured).
 */
public final class StreamingLoad {
  private StreamingLoad() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 4) {
      System.err.println("usage: StreamingLoad HOST:PORT STREAMS COUNT SIZE [WARMUP_CALLS]");
      System.exit(2);
    }
    int streams = Integer.parseInt(args[1]);
    int count = Integer.parseInt(args[2]);
    int size = Integer.parseInt(args[3]);
    int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 1;
    ManagedChannel channel = NettyChannelBuilder.forTarget(args[0]).usePlaintext().build();
    try {
      SimpleRequest request = SimpleRequest.newBuilder().setRequestMessage(count + "x" + size).build();
      for (int i = 0; i < warmup; i++) {
        run(channel, request, 1, count);
      }
      long start = System.nanoTime();
      long messages = run(channel, request, streams, count);
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("messages=%d seconds=%.3f msgs_per_s=%.0f%n", messages, seconds, messages / seconds);
    } catch (IllegalStateException e) {
      System.err.println("streaming check via " + args[0] + " FAILED: " + e.getMessage());
      System.exit(1);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Runs {@code streams} calls at once; returns the messages received; throws on any bad call. */
  private static long run(ManagedChannel channel, SimpleRequest request, int streams, int count)
      throws InterruptedException {
    CountDownLatch done = new CountDownLatch(streams);
    AtomicLong total = new AtomicLong();
    AtomicReference<String> failure = new AtomicReference<>();
    SimpleServiceGrpc.SimpleServiceStub stub = SimpleServiceGrpc.newStub(channel)
        .withDeadlineAfter(120, TimeUnit.SECONDS);
    for (int i = 0; i < streams; i++) {
      stub.serverStreamingRpc(request, new StreamObserver<>() {
        private long received;

        @Override
        public void onNext(SimpleResponse value) {
          received++;
        }

        @Override
        public void onError(Throwable t) {
          failure.compareAndSet(null, "a call ended with " + Status.fromThrowable(t) + " after " + received
              + " messages");
          done.countDown();
        }

        @Override
        public void onCompleted() {
          if (received != count) {
            failure.compareAndSet(null, "a call ended OK after " + received + " messages, expected " + count);
          }
          total.addAndGet(received);
          done.countDown();
        }
      });
    }
    if (!done.await(150, TimeUnit.SECONDS)) {
      throw new IllegalStateException("calls still running after 150 s");
    }
    if (failure.get() != null) {
      throw new IllegalStateException(failure.get());
    }
    return total.get();
  }
}
