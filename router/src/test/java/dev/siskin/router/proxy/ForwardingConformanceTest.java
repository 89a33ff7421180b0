package dev.siskin.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.testing.ByteMethods;
import dev.siskin.router.testing.FutureObserver;
import dev.siskin.router.testing.OneBackendTestBase;
import dev.siskin.router.testing.TestBackend;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Forwarding conformance: a real backend on a loopback port, the router on another, a client calling the
 * router; every RPC kind, metadata, status, deadline, cancel, size limits and backpressure.
 */
class ForwardingConformanceTest extends OneBackendTestBase {
  /** The response header that names the backend which served the call. */
  private static final Metadata.Key<String> CANARY_BACKEND =
      Metadata.Key.of("x-canary-backend", Metadata.ASCII_STRING_MARSHALLER);
  private final AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
  private final AtomicReference<Metadata> responseTrailers = new AtomicReference<>();

  private SimpleServiceGrpc.SimpleServiceBlockingStub blocking(Metadata extra) {
    return SimpleServiceGrpc.newBlockingStub(harness.channel).withInterceptors(
        MetadataUtils.newAttachHeadersInterceptor(extra),
        MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, responseTrailers));
  }

  private SimpleServiceGrpc.SimpleServiceBlockingStub blocking() {
    return blocking(new Metadata());
  }

  private SimpleServiceGrpc.SimpleServiceStub async() {
    return SimpleServiceGrpc.newStub(harness.channel)
        .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, responseTrailers));
  }

  private static SimpleRequest request(String message) {
    return SimpleRequest.newBuilder().setRequestMessage(message).build();
  }

  @Test
  void unaryCallPassesMessagesAndMetadataBothWays() {
    Metadata extra = new Metadata();
    extra.put(TestBackend.ECHO_INITIAL, "initial-value");
    extra.put(TestBackend.ECHO_TRAILING_BIN, new byte[] {0, (byte) 0x80, (byte) 0xff, 10});
    Metadata.Key<String> custom = Metadata.Key.of("x-custom", Metadata.ASCII_STRING_MARSHALLER);
    extra.put(custom, "a");
    extra.put(custom, "b");

    SimpleResponse reply = blocking(extra).unaryRpc(request("hello"));

    assertThat(reply.getResponseMessage()).isEqualTo("hello");
    Metadata seen = backend.lastHeaders.get();
    assertThat(seen.getAll(custom)).containsExactly("a", "b");
    assertThat(seen.get(TestBackend.ECHO_TRAILING_BIN)).containsExactly(0, 0x80, 0xff, 10);
    // Transport-owned headers are re-created by the router's channel, not duplicated.
    assertThat(seen.getAll(Metadata.Key.of("user-agent", Metadata.ASCII_STRING_MARSHALLER))).hasSize(1);
    assertThat(seen.getAll(Metadata.Key.of("content-type", Metadata.ASCII_STRING_MARSHALLER))).hasSize(1);

    assertThat(responseHeaders.get().getAll(CANARY_BACKEND)).containsExactly("v1");
    assertThat(responseHeaders.get().get(TestBackend.ECHO_INITIAL)).isEqualTo("initial-value");
    assertThat(responseHeaders.get().get(TestBackend.SERVED_BY)).isEqualTo("v1");
    assertThat(responseTrailers.get().get(TestBackend.ECHO_TRAILING_BIN)).containsExactly(0, 0x80, 0xff, 10);
  }

  @Test
  void serverStreamingDeliversEveryMessageInOrder() {
    Iterator<SimpleResponse> replies = blocking().serverStreamingRpc(request("count:50:size:10"));
    int n = 0;
    while (replies.hasNext()) {
      assertThat(replies.next().getResponseMessage()).isEqualTo("s".repeat(10));
      n++;
    }
    assertThat(n).isEqualTo(50);
    assertThat(responseHeaders.get().get(CANARY_BACKEND)).isEqualTo("v1");
  }

  @Test
  void clientStreamingDeliversEveryMessage() throws Exception {
    FutureObserver<SimpleResponse> reply = new FutureObserver<>();
    StreamObserver<SimpleRequest> requests = async().clientStreamingRpc(reply);
    for (int i = 0; i < 100; i++) {
      requests.onNext(request("m" + i));
    }
    requests.onCompleted();
    // 10 messages of 2 chars ("m0".."m9") + 90 of 3.
    assertThat(reply.result().get(30, TimeUnit.SECONDS).getResponseMessage()).isEqualTo("100:" + (10 * 2 + 90 * 3));
  }

  @Test
  void bidiStreamingAnswersEachMessageBeforeTheNextIsSent() throws Exception {
    LinkedBlockingQueue<String> replies = new LinkedBlockingQueue<>();
    CompletableFuture<SimpleResponse> done = new CompletableFuture<>();
    StreamObserver<SimpleRequest> requests = async().bidiStreamingRpc(new StreamObserver<>() {
      @Override
      public void onNext(SimpleResponse value) {
        replies.add(value.getResponseMessage());
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        done.complete(null);
      }
    });
    // Ping-pong: each answer must arrive while the request stream is still open, i.e. nothing is held back.
    for (int i = 0; i < 20; i++) {
      requests.onNext(request("ping" + i));
      assertThat(replies.poll(30, TimeUnit.SECONDS)).isEqualTo("ping" + i);
    }
    requests.onCompleted();
    done.get(30, TimeUnit.SECONDS);
    assertThat(responseHeaders.get().get(CANARY_BACKEND)).isEqualTo("v1");
  }

  @ParameterizedTest
  @EnumSource(value = Status.Code.class, names = "OK", mode = EnumSource.Mode.EXCLUDE)
  void everyBackendStatusReachesTheClientUnchanged(Status.Code code) {
    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
        () -> blocking().unaryRpc(request("status:" + code.name() + ":backend says " + code + " \u00e9\u00e8 \n ok")));

    assertThat(error.getStatus().getCode()).isEqualTo(code);
    assertThat(error.getStatus().getDescription()).isEqualTo("backend says " + code + " \u00e9\u00e8 \n ok");
    assertThat(error.getTrailers().get(TestBackend.TRAILER_BIN)).containsExactly(0, 1, 2, 0xff);
    // The frame core passes a backend's Trailers-Only as it is, with the header among the trailers (where clients
    // look for it too, see the client's BackendHeader); an answer with headers carries it there.
    Metadata answered = responseHeaders.get() != null ? responseHeaders.get() : error.getTrailers();
    assertThat(answered.get(CANARY_BACKEND)).isEqualTo("v1");
    assertThat(lastOutcome().code()).isEqualTo(code);
    assertThat(lastOutcome().routerError()).isFalse();
  }

  @Test
  void clientDeadlineIsCarriedToTheBackend() {
    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
        () -> blocking().withDeadlineAfter(500, TimeUnit.MILLISECONDS).unaryRpc(request("sleep:10000")));

    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    Deadline seen = backend.lastDeadline.get();
    assertThat(seen).isNotNull();
    assertThat(seen.timeRemaining(TimeUnit.MILLISECONDS)).isLessThanOrEqualTo(500);
  }

  @Test
  void deadlineExpiringAtTheBackendEndsItsWorkThere() throws Exception {
    assertThatThrownBy(() -> blocking().withDeadlineAfter(300, TimeUnit.MILLISECONDS).unaryRpc(request("sleep:20000")))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    // The backend's call was cancelled by its own copy of the deadline, not left running for 20 s.
    assertThat(backend.cancelled.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void clientCancelReachesTheBackend() throws Exception {
    ClientCall<SimpleRequest, SimpleResponse> call =
        harness.channel.newCall(SimpleServiceGrpc.getServerStreamingRpcMethod(), CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() {}, new Metadata());
    call.sendMessage(request("hold"));
    call.halfClose();
    call.request(1);
    assertThat(backend.holdStarted.await(30, TimeUnit.SECONDS)).isTrue();

    call.cancel("test cancels", null);

    assertThat(backend.cancelled.await(30, TimeUnit.SECONDS)).isTrue();
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
        .until(() -> harness.calls.finished().size() == 1);
    assertThat(lastOutcome().code()).isEqualTo(Status.Code.CANCELLED);
    assertThat(harness.router.routingTable().backends().get(0).inFlight()).isZero();
  }

  @Test
  void threeMebibyteMessagesPassBothWays() {
    String big = "b".repeat(3 << 20);
    SimpleResponse reply = blocking().unaryRpc(request(big));
    assertThat(reply.getResponseMessage()).isEqualTo(big);
    assertThat(lastOutcome().bytesIn()).isGreaterThan(3 << 20);
    assertThat(lastOutcome().bytesOut()).isGreaterThan(3 << 20);
  }

  @Test
  void unknownMethodsAreAnsweredByTheBackend() {
    MethodDescriptor<byte[], byte[]> unknownService = ByteMethods.unary("no.such.Service/Method");
    MethodDescriptor<byte[], byte[]> unknownMethod = ByteMethods.unary("grpc.testing.SimpleService/Nope");
    for (MethodDescriptor<byte[], byte[]> method : List.of(unknownService, unknownMethod)) {
      StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
          () -> ClientCalls.blockingUnaryCall(harness.channel.newCall(method, CallOptions.DEFAULT), new byte[0]));
      assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
      assertThat(error.getStatus().getDescription()).doesNotStartWith(RouterErrors.PREFIX);
    }
    assertThat(harness.calls.finished()).extracting(CallOutcome::backend).containsExactly("v1", "v1");
  }

  @Test
  void everyCallIsReportedExactlyOnce() {
    for (int i = 0; i < 20; i++) {
      blocking().unaryRpc(request("n" + i));
    }
    assertThatThrownBy(() -> blocking().unaryRpc(request("status:NOT_FOUND:x")));
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
        .until(() -> harness.calls.finished().size() == 21);
    assertThat(harness.calls.started.get()).isEqualTo(21);
    assertThat(harness.calls.finished()).extracting(CallOutcome::fullMethod)
        .containsOnly("grpc.testing.SimpleService/UnaryRpc");
  }

  private CallOutcome lastOutcome() {
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
        .until(() -> !harness.calls.finished().isEmpty());
    List<CallOutcome> all = harness.calls.finished();
    return all.get(all.size() - 1);
  }
}
