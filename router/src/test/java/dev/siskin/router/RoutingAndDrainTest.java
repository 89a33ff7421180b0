package dev.siskin.router;

import static dev.siskin.router.testing.Configs.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.ConfigException;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.testing.Configs;
import dev.siskin.router.testing.FutureObserver;
import dev.siskin.router.testing.RouterHarness;
import dev.siskin.router.testing.TestBackend;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Weighted routing over real backends, config changes while calls run, drain, router-made errors. */
class RoutingAndDrainTest {
  private static final Metadata.Key<String> CANARY_BACKEND =
      Metadata.Key.of("x-canary-backend", Metadata.ASCII_STRING_MARSHALLER);

  private TestBackend v1;
  private TestBackend v2;
  private RouterHarness harness;

  @BeforeEach
  void start() throws Exception {
    v1 = new TestBackend("v1");
    v2 = new TestBackend("v2");
  }

  @AfterEach
  void stop() throws Exception {
    if (harness != null) {
      harness.close();
    }
    v1.close();
    v2.close();
  }

  /** Calls once and returns the x-canary-backend header of the answer. */
  private String callAndGetBackend() {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    SimpleServiceGrpc.newBlockingStub(harness.channel)
        .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>()))
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage("hi").build());
    return headers.get().get(CANARY_BACKEND);
  }

  private Map<String, Integer> split(int calls) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < calls; i++) {
      counts.merge(callAndGetBackend(), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void callsAreSplitByWeightAndTheHeaderNamesTheBackendThatAnswered() throws Exception {
    harness = new RouterHarness(Configs.of(backend(v1, 3), backend(v2, 1)));

    assertThat(split(400)).containsExactlyInAnyOrderEntriesOf(Map.of("v1", 300, "v2", 100));
    // The header is the router's claim; the backends' own counts confirm it.
    assertThat(v1.unaryHandled.get()).isEqualTo(300);
    assertThat(v2.unaryHandled.get()).isEqualTo(100);
  }

  @Test
  void aWeightChangeAppliesAtOnceAndKeepsTheChannels() throws Exception {
    harness = new RouterHarness(Configs.of(backend(v1, 1), backend(v2, 0)));
    assertThat(split(10)).containsExactlyEntriesOf(Map.of("v1", 10));
    Backend v1Before = harness.router.routingTable().backends().get(0);
    Backend v2Before = harness.router.routingTable().backends().get(1);

    String change = harness.router.apply(Configs.of(backend(v1, 0), backend(v2, 1)));

    assertThat(change).isEqualTo("generation 2: v1 1->0, v2 0->1");
    assertThat(split(10)).containsExactlyEntriesOf(Map.of("v2", 10));
    assertThat(harness.router.routingTable().backends()).containsExactly(v1Before, v2Before);
    assertThat(v1Before.state()).isEqualTo(Backend.State.ACTIVE);
    assertThat(harness.router.configState().generation()).isEqualTo(2);
  }

  @Test
  void aRemovedBackendFinishesItsCallsThenCloses() throws Exception {
    harness = new RouterHarness(Configs.of(backend(v1, 0), backend(v2, 1)));
    Backend oldV2 = harness.router.routingTable().backends().get(1);
    FutureObserver<SimpleResponse> slow = new FutureObserver<>();
    SimpleServiceGrpc.newStub(harness.channel).unaryRpc(
        SimpleRequest.newBuilder().setRequestMessage("sleep:1500").build(), slow);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> oldV2.inFlight() == 1);

    harness.router.apply(Configs.of(backend(v1, 1)));

    assertThat(oldV2.state()).isEqualTo(Backend.State.DRAINING);
    assertThat(split(5)).containsExactlyEntriesOf(Map.of("v1", 5));
    assertThat(slow.result().get(30, TimeUnit.SECONDS).getResponseMessage()).isEqualTo("slept");
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> oldV2.state() == Backend.State.CLOSED);
    assertThat(oldV2.inFlight()).isZero();
  }

  @Test
  void aChangedTargetGetsANewChannelAndTheOldOneDrains() throws Exception {
    harness = new RouterHarness(Configs.of(backend(v1, 1)));
    Backend before = harness.router.routingTable().backends().get(0);

    harness.router.apply(Configs.of(new BackendSpec("v1", v2.target(), 1)));

    Backend after = harness.router.routingTable().backends().get(0);
    assertThat(after).isNotSameAs(before);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> before.state() == Backend.State.CLOSED);
    callAndGetBackend();
    assertThat(v2.unaryHandled.get()).isEqualTo(1);
  }

  @Test
  void aRejectedConfigIsRecordedAndTheOldOneKeepsServing() throws Exception {
    harness = new RouterHarness(Configs.of(backend(v1, 1)));

    harness.router.reject(new ConfigException("test.conf:3: backends.v1.weight: -1 (expected: an integer >= 0)"));

    assertThat(harness.router.configState().generation()).isEqualTo(1);
    assertThat(harness.router.configState().lastAttempt().ok()).isFalse();
    assertThat(harness.router.configState().lastAttempt().error()).contains("backends.v1.weight: -1");
    assertThat(callAndGetBackend()).isEqualTo("v1");
  }

  @Test
  void withNoBackendToPickTheRouterAnswersItselfAndSaysSo() throws Exception {
    harness = new RouterHarness(Configs.of(backend(v1, 1)), (policy, backends, weights) -> () -> null);

    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class, this::callAndGetBackend);

    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(error.getStatus().getDescription()).startsWith("siskin router: no backend available");
    CallOutcome outcome = awaitOutcome();
    assertThat(outcome.backend()).isEqualTo("-");
    assertThat(outcome.routerError()).isTrue();
    assertThat(harness.calls.started.get()).isEqualTo(1);
  }

  @Test
  void anUnreachableBackendIsReportedAsTheRoutersUpstreamFailure() throws Exception {
    String deadTarget = v2.target();
    v2.close();
    harness = new RouterHarness(Configs.of(new BackendSpec("v2", deadTarget, 1)));

    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class, this::callAndGetBackend);

    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(error.getStatus().getDescription()).startsWith("siskin router: backend v2 (" + deadTarget + "): ");
    assertThat(awaitOutcome().routerError()).isTrue();
  }

  @Test
  void shutdownLetsRunningCallsFinishAndRefusesNewOnes() throws Exception {
    harness = new RouterHarness(Configs.of(backend(v1, 1)));
    FutureObserver<SimpleResponse> slow = new FutureObserver<>();
    SimpleServiceGrpc.newStub(harness.channel).unaryRpc(
        SimpleRequest.newBuilder().setRequestMessage("sleep:1000").build(), slow);
    Backend backend = harness.router.routingTable().backends().get(0);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> backend.inFlight() == 1);

    CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> {
      try {
        return harness.router.shutdown(Duration.ofSeconds(20));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });

    assertThat(slow.result().get(30, TimeUnit.SECONDS).getResponseMessage()).isEqualTo("slept");
    assertThat(drained.get(30, TimeUnit.SECONDS)).isTrue();
    assertThat(backend.state()).isEqualTo(Backend.State.CLOSED);
    StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, this::callAndGetBackend);
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  private CallOutcome awaitOutcome() {
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> harness.calls.finished().size() == 1);
    return harness.calls.finished().get(0);
  }
}
