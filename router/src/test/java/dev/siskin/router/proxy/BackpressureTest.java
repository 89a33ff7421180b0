package dev.siskin.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.router.testing.OneBackendTestBase;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A slow reader of a long server stream must hold the backend back instead of making the router buffer.
 *
 * <p>The measure: how far the backend is ahead of the client (messages it has sent minus messages the client
 * has read). The backend sends only while its call is ready, so its lead is exactly what sits in buffers
 * between it and the client -- the HTTP/2 flow-control windows of both hops and the router's hands. If the
 * router buffered without bound, the backend would run to the end of the stream while the client sleeps.
 */
class BackpressureTest extends OneBackendTestBase {
  private static final int MESSAGES = 100_000;
  private static final int MESSAGE_CHARS = 1024;
  /** Sampling points: every this many messages the client stops reading for a while. */
  private static final int PAUSE_EVERY = 10_000;


  @Test
  void slowReaderHoldsTheBackendBackThroughTheRouter() throws Exception {
    AtomicLong received = new AtomicLong();
    CompletableFuture<Status> closed = new CompletableFuture<>();
    ClientCall<SimpleRequest, SimpleResponse> call =
        harness.channel.newCall(SimpleServiceGrpc.getServerStreamingRpcMethod(), CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(SimpleResponse message) {
        received.incrementAndGet();
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
    call.sendMessage(SimpleRequest.newBuilder().setRequestMessage("count:" + MESSAGES + ":size:" + MESSAGE_CHARS).build());
    call.halfClose();

    long maxLead = 0;
    for (int read = 0; read < MESSAGES; read += PAUSE_EVERY) {
      call.request(PAUSE_EVERY);
      long target = read + PAUSE_EVERY;
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (received.get() < target && System.nanoTime() < until) {
        Thread.sleep(1);
      }
      assertThat(received.get()).as("messages read by now").isEqualTo(target);
      // The reader stalls; give the backend ample time to run ahead if anything between lets it.
      Thread.sleep(400);
      maxLead = Math.max(maxLead, backend.streamed.get() - received.get());
    }
    call.request(1);

    assertThat(closed.get(60, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
    assertThat(received.get()).isEqualTo(MESSAGES);
    System.out.printf("backpressure: max backend lead %d messages of %d (%.1f MiB of %.1f MiB)%n",
        maxLead, MESSAGES, maxLead * (MESSAGE_CHARS + 5) / 1048576.0, MESSAGES * (MESSAGE_CHARS + 5) / 1048576.0);
    // Both hops' flow-control windows (grpc-java: 1 MiB each, grown by BDP estimation up to a few MiB)
    // plus the router's one message in hand: at most a few thousand 1 KiB messages, never the stream.
    assertThat(maxLead).isLessThan(MESSAGES / 10);
  }
}
