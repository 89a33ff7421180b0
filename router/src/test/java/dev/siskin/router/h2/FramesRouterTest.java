package dev.siskin.router.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.RouterSettings;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.observe.RouteCause;
import dev.siskin.router.testing.Configs;
import dev.siskin.router.testing.RouterHarness;
import dev.siskin.router.testing.TestBackend;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The router on its frame core: the weights split the calls, the force header reaches a backend at weight 0 and
 * is not forwarded, an unknown forced name is refused, and every call's outcome carries its backend, route cause
 * and status.
 */
@org.junit.jupiter.api.extension.ExtendWith(LeakCheck.class)
class FramesRouterTest {
  private static final Metadata.Key<String> FORCE = Metadata.Key.of("x-canary-backend", Metadata.ASCII_STRING_MARSHALLER);
  private TestBackend v1;
  private TestBackend v2;
  private RouterHarness harness;

  @BeforeEach
  void start() throws Exception {
    v1 = new TestBackend("v1");
    v2 = new TestBackend("v2");
    harness = new RouterHarness(Configs.of(Configs.backend(v1, 1), Configs.backend(v2, 1)));
  }

  @AfterEach
  void stop() throws Exception {
    harness.close();
    v1.close();
    v2.close();
  }

  private SimpleServiceGrpc.SimpleServiceBlockingStub stub() {
    return SimpleServiceGrpc.newBlockingStub(harness.channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static SimpleRequest request(String text) {
    return SimpleRequest.newBuilder().setRequestMessage(text).build();
  }

  @Test
  void theWeightsSplitTheCallsAndEachOutcomeNamesItsBackend() {
    for (int i = 0; i < 100; i++) {
      stub().unaryRpc(request("n" + i));
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> harness.calls.finished().size() == 100);
    Map<String, Integer> byBackend = new TreeMap<>();
    for (CallOutcome o : harness.calls.finished()) {
      byBackend.merge(o.backend(), 1, Integer::sum);
      assertThat(o.code()).isEqualTo(Status.Code.OK);
      assertThat(o.cause()).isEqualTo(RouteCause.WEIGHT);
    }
    assertThat(byBackend).containsEntry("v1", 50).containsEntry("v2", 50);
    assertThat(v1.unaryHandled.get() + v2.unaryHandled.get()).isEqualTo(100);
  }

  @Test
  void theForceHeaderReachesItsBackendAndIsNotForwarded() {
    Metadata headers = new Metadata();
    headers.put(FORCE, "v2");
    for (int i = 0; i < 10; i++) {
      stub().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)).unaryRpc(request("forced"));
    }
    assertThat(v2.unaryHandled.get()).isEqualTo(10);
    assertThat(v1.unaryHandled.get()).isZero();
    assertThat(v2.lastHeaders.get().containsKey(FORCE)).as("meant for the router alone").isFalse();
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> harness.calls.finished().size() == 10);
    assertThat(harness.calls.finished()).allSatisfy(o -> assertThat(o.cause()).isEqualTo(RouteCause.HEADER));
  }

  @Test
  void aDeadBackendsCallsAreRetriedOnTheOtherWithNoFailureAndTheFirstAttemptIsKept() throws Exception {
    stub().unaryRpc(request("warm"));
    stub().unaryRpc(request("warm"));
    v1.close(); // connection refused from now on; its health checks notice later
    for (int i = 0; i < 20; i++) {
      assertThat(stub().unaryRpc(request("n" + i)).getResponseMessage()).isEqualTo("n" + i);
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> harness.calls.finished().size() == 22);
    java.util.List<CallOutcome> retried = harness.calls.finished().stream().filter(o -> o.attempts() == 2).toList();
    assertThat(retried).as("calls whose first pick was v1").isNotEmpty().allSatisfy(o -> {
      assertThat(o.backend()).isEqualTo("v2");
      assertThat(o.code()).isEqualTo(Status.Code.OK);
      assertThat(o.first().backend()).isEqualTo("v1");
      assertThat(o.first().code()).isEqualTo(Status.Code.UNAVAILABLE);
    });
    assertThat(harness.router.failureReport().retriesByBackend()).containsKey("v1");
  }

  @Test
  void aClientStreamIsReplayedWholeOnTheOtherBackend() throws Exception {
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> harness.router.failureReport().backends().stream()
        .allMatch(b -> b.state().equals("healthy")));
    v1.close(); // its health checks need about two seconds to notice: the calls meanwhile are retried
    for (int call = 0; call < 4; call++) {
      var answer = new java.util.concurrent.CompletableFuture<String>();
      var requests = SimpleServiceGrpc.newStub(harness.channel).withDeadlineAfter(10, TimeUnit.SECONDS)
          .clientStreamingRpc(new io.grpc.stub.StreamObserver<io.grpc.testing.protobuf.SimpleResponse>() {
            @Override
            public void onNext(io.grpc.testing.protobuf.SimpleResponse r) {
              answer.complete(r.getResponseMessage());
            }

            @Override
            public void onError(Throwable t) {
              answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
          });
      for (int i = 0; i < 5; i++) {
        requests.onNext(request("abc"));
      }
      requests.onCompleted();
      assertThat(answer.get(10, TimeUnit.SECONDS)).as("5 messages of 3 characters, after the replay").isEqualTo("5:15");
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> harness.calls.finished().size() == 4);
    assertThat(harness.calls.finished()).as("the calls first sent to the dead v1 were replayed")
        .anySatisfy(o -> assertThat(o.attempts()).isEqualTo(2));
  }

  @Test
  void aCallForcedToADeadBackendFailsThereAndIsNotServedElsewhere() throws Exception {
    v1.close();
    Metadata headers = new Metadata();
    headers.put(FORCE, "v1");
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> stub().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)).unaryRpc(request("x")));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(v2.unaryHandled.get()).isZero();
  }

  @Test
  void theCallsABackendServesCanBeEndedWhileTheyRun() throws Exception {
    Metadata headers = new Metadata();
    headers.put(FORCE, "v1");
    Iterator<io.grpc.testing.protobuf.SimpleResponse> stream = SimpleServiceGrpc.newBlockingStub(harness.channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(20, TimeUnit.SECONDS).serverStreamingRpc(request("hold"));
    assertThat(v1.holdStarted.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(harness.router.callsInFlight().endCallsOn("v2", Status.UNAVAILABLE)).as("v2 serves none").isZero();
    assertThat(harness.router.callsInFlight().endCallsOn("v1",
        Status.UNAVAILABLE.withDescription("canary v1 was rolled back"))).isEqualTo(1);
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, stream::hasNext);
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getStatus().getDescription()).isEqualTo("canary v1 was rolled back");
    assertThat(v1.cancelled.await(5, TimeUnit.SECONDS)).as("the backend's call is cancelled").isTrue();
    assertThat(harness.router.callsInFlight().size()).isZero();
  }

  @Test
  void anUnknownForcedBackendIsRefusedWithTheNamesThatExist() {
    Metadata headers = new Metadata();
    headers.put(FORCE, "v9");
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> stub().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)).unaryRpc(request("x")));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("v9").contains("v1").contains("v2");
  }
}
