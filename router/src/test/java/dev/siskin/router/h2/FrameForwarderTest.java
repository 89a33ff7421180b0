package dev.siskin.router.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.cluster.ResolvedAddressBook;
import dev.siskin.router.config.RoutingSettings;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.observe.RouteCause;
import dev.siskin.router.route.Route;
import dev.siskin.router.route.Selection;
import dev.siskin.router.testing.RecordingListener;
import dev.siskin.router.testing.TestBackend;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The frame core with a real grpc-java client and backend on loopback: unary and streaming calls pass whole, with
 * their headers, trailers and statuses; the response carries x-canary-backend; a large message streams through
 * without a size cap; a client cancel reaches the backend; a dead backend is answered UNAVAILABLE; every call
 * reports one outcome.
 */
@org.junit.jupiter.api.extension.ExtendWith(LeakCheck.class)
class FrameForwarderTest {
  private final ManagedChannel unused = InProcessChannelBuilder.forName("never-called").build();
  private final RecordingListener outcomes = new RecordingListener();
  private final AtomicReference<Backend> routeTo = new AtomicReference<>();
  private TestBackend backend;
  private FrameForwarder forwarder;
  private ManagedChannel client;

  private final Route route = (method, headers, tried) -> {
    Backend b = routeTo.get();
    return b.tryAcquire() ? new Selection(b, Selection.Refusal.NONE, false, RouteCause.WEIGHT, 1.0, null)
        : new Selection(null, Selection.Refusal.NO_BACKEND, false, RouteCause.WEIGHT, 0.0, null);
  };

  @BeforeEach
  void start() throws Exception {
    backend = new TestBackend("v1", 64 << 20);
    routeTo.set(new Backend("v1", backend.target(), unused, new ResolvedAddressBook()));
    forwarder = new FrameForwarder(route, () -> new RoutingSettings("x-canary-backend", "", ""), outcomes,
        () -> java.time.Duration.ofMillis(800), null, 2, 2000)
        .start(new InetSocketAddress("127.0.0.1", 0));
    client = Grpc.newChannelBuilder("127.0.0.1:" + forwarder.port(), InsecureChannelCredentials.create())
        .maxInboundMessageSize(64 << 20).build();
  }

  @AfterEach
  void stop() throws Exception {
    client.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    forwarder.close();
    backend.close();
    unused.shutdownNow();
  }

  private SimpleServiceGrpc.SimpleServiceBlockingStub stub() {
    return SimpleServiceGrpc.newBlockingStub(client).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static SimpleRequest request(String text) {
    return SimpleRequest.newBuilder().setRequestMessage(text).build();
  }

  private CallOutcome awaitOutcome(int n) {
    Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> outcomes.finished().size() >= n);
    return outcomes.finished().get(n - 1);
  }

  @Test
  void aUnaryCallPassesWithItsHeadersAndTheBackendIsNamed() {
    AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
    Metadata sent = new Metadata();
    sent.put(TestBackend.ECHO_INITIAL, "hello");
    SimpleResponse answer = stub().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(sent),
        MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, new AtomicReference<>()))
        .unaryRpc(request("ping"));
    assertThat(answer.getResponseMessage()).isEqualTo("ping");
    assertThat(responseHeaders.get().get(Metadata.Key.of("x-canary-backend", Metadata.ASCII_STRING_MARSHALLER)))
        .isEqualTo("v1");
    assertThat(responseHeaders.get().get(TestBackend.ECHO_INITIAL)).isEqualTo("hello");
    CallOutcome outcome = awaitOutcome(1);
    assertThat(outcome.backend()).isEqualTo("v1");
    assertThat(outcome.fullMethod()).isEqualTo("grpc.testing.SimpleService/UnaryRpc");
    assertThat(outcome.code()).isEqualTo(Status.Code.OK);
    assertThat(outcome.bytesIn()).isPositive();
    assertThat(routeTo.get().inFlight()).as("the backend released").isZero();
  }

  @Test
  void aFailedCallKeepsItsStatusMessageAndTrailers() {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> stub().unaryRpc(request("status:FAILED_PRECONDITION:not now")));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(e.getStatus().getDescription()).isEqualTo("not now");
    assertThat(e.getTrailers().get(TestBackend.TRAILER_BIN)).containsExactly(0, 1, 2, (byte) 0xff);
    assertThat(awaitOutcome(1).code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
  }

  @Test
  void aServerStreamAndATenMebibyteMessageStreamThrough() {
    Iterator<SimpleResponse> stream = SimpleServiceGrpc.newBlockingStub(client).withDeadlineAfter(20, TimeUnit.SECONDS)
        .serverStreamingRpc(request("count:2000:size:100"));
    int n = 0;
    while (stream.hasNext()) {
      assertThat(stream.next().getResponseMessage()).hasSize(100);
      n++;
    }
    assertThat(n).isEqualTo(2000);
    SimpleResponse big = stub().unaryRpc(request("size:" + (10 << 20)));
    assertThat(big.getResponseMessage()).hasSize(10 << 20);
    SimpleResponse echoed = stub().unaryRpc(request("x".repeat(10 << 20)));
    assertThat(echoed.getResponseMessage()).hasSize(10 << 20);
  }

  @Test
  void aClientCancelReachesTheBackend() throws Exception {
    var future = SimpleServiceGrpc.newFutureStub(client).unaryRpc(request("sleep:20000"));
    Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> backend.calls.get() >= 1);
    future.cancel(true);
    assertThat(backend.cancelled.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(awaitOutcome(1).code()).isEqualTo(Status.Code.CANCELLED);
  }

  @Test
  void aCallWithoutDeadlineGetsTheDefaultOneWhichTheRouterEnforces() throws Exception {
    long start = System.nanoTime();
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> SimpleServiceGrpc.newBlockingStub(client).unaryRpc(request("sleep:20000")));
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(millis).as("ended by the 800 ms default deadline").isBetween(700L, 5000L);
    assertThat(backend.lastDeadline.get()).as("sent on as grpc-timeout").isNotNull();
    assertThat(backend.lastDeadline.get().timeRemaining(TimeUnit.MILLISECONDS)).isLessThanOrEqualTo(800);
    assertThat(backend.cancelled.await(5, TimeUnit.SECONDS)).as("the backend's call is cancelled").isTrue();
    assertThat(awaitOutcome(1).code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(routeTo.get().inFlight()).isZero();
  }

  @Test
  void aClientsOwnDeadlineIsKept() {
    stub().unaryRpc(request("connect first")); // the 300 ms below are for the call, not for a cold connection
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> SimpleServiceGrpc.newBlockingStub(client).withDeadlineAfter(300, TimeUnit.MILLISECONDS)
            .unaryRpc(request("sleep:20000")));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(backend.lastDeadline.get().timeRemaining(TimeUnit.MILLISECONDS)).isLessThanOrEqualTo(300);
  }

  @Test
  void onShutdownTheRunningCallsFinishAndNoNewConnectionIsTaken() throws Exception {
    var running = SimpleServiceGrpc.newFutureStub(client).withDeadlineAfter(20, TimeUnit.SECONDS)
        .unaryRpc(request("sleep:1500"));
    Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> backend.calls.get() >= 1);
    boolean drained = forwarder.shutdown(java.time.Duration.ofSeconds(10));
    assertThat(running.get(1, TimeUnit.SECONDS).getResponseMessage()).isEqualTo("slept");
    assertThat(drained).isTrue();
    assertThat(awaitOutcome(1).code()).isEqualTo(Status.Code.OK);
    ManagedChannel late = Grpc.newChannelBuilder("127.0.0.1:" + forwarder.port(), InsecureChannelCredentials.create())
        .build();
    try {
      StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
          () -> SimpleServiceGrpc.newBlockingStub(late).withDeadlineAfter(2, TimeUnit.SECONDS).unaryRpc(request("x")));
      assertThat(e.getStatus().getCode()).isIn(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED);
    } finally {
      late.shutdownNow();
    }
  }

  @Test
  void aDeadBackendIsAnsweredUnavailableByTheRouter() throws Exception {
    backend.close();
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> stub().unaryRpc(request("x")));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getStatus().getDescription()).contains("siskin router").contains("connect");
    CallOutcome outcome = awaitOutcome(1);
    assertThat(outcome.code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(outcome.routerError()).isTrue();
    assertThat(routeTo.get().inFlight()).isZero();
  }

  @Test
  void manyConcurrentCallsOnOneConnectionAllEndOnce() throws Exception {
    var async = SimpleServiceGrpc.newFutureStub(client);
    List<com.google.common.util.concurrent.ListenableFuture<SimpleResponse>> calls = new java.util.ArrayList<>();
    for (int i = 0; i < 500; i++) {
      calls.add(async.withDeadlineAfter(20, TimeUnit.SECONDS).unaryRpc(request("n" + i)));
    }
    for (int i = 0; i < 500; i++) {
      assertThat(calls.get(i).get(20, TimeUnit.SECONDS).getResponseMessage()).isEqualTo("n" + i);
    }
    awaitOutcome(500);
    assertThat(outcomes.finished()).hasSize(500).allSatisfy(o -> assertThat(o.code()).isEqualTo(Status.Code.OK));
    assertThat(routeTo.get().inFlight()).isZero();
  }
}
