package dev.siskin.router;

import static dev.siskin.router.testing.Configs.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.RoutingSettings;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.observe.RouteCause;
import dev.siskin.router.testing.Configs;
import dev.siskin.router.testing.RouterHarness;
import dev.siskin.router.testing.TestBackend;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.stub.MetadataUtils;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The canary rules through a real router and real backends: a forced call at weight 0, never served or retried
 * elsewhere; an unknown name; the force header kept from the backend; sticky keys that stay and follow health;
 * the rules hot reloaded; and what each call's outcome records.
 */
class CanaryRulesTest {
  private static final Metadata.Key<String> CANARY_BACKEND =
      Metadata.Key.of("x-canary-backend", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> USER = Metadata.Key.of("x-user-id", Metadata.ASCII_STRING_MARSHALLER);
  private static final RoutingSettings STICKY = new RoutingSettings("x-canary-backend", "x-user-id", "");

  private TestBackend v1;
  private TestBackend v2;
  private RouterHarness harness;

  @AfterEach
  void stop() throws Exception {
    if (harness != null) {
      harness.close();
    }
    for (TestBackend b : new TestBackend[] {v1, v2}) {
      if (b != null) {
        b.close();
      }
    }
  }

  private void start(CanaryConfig config) throws Exception {
    harness = new RouterHarness(config);
  }

  /** One unary call with these request headers; returns the x-canary-backend response header. */
  private String call(String message, Map<Metadata.Key<String>, String> headers) {
    Metadata sent = new Metadata();
    headers.forEach(sent::put);
    AtomicReference<Metadata> received = new AtomicReference<>();
    SimpleServiceGrpc.newBlockingStub(harness.channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(sent),
            MetadataUtils.newCaptureMetadataInterceptor(received, new AtomicReference<>()))
        .withDeadlineAfter(20, TimeUnit.SECONDS)
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage(message).build());
    return received.get().get(CANARY_BACKEND);
  }

  private String forced(String backend, String message) {
    return call(message, Map.of(CANARY_BACKEND, backend));
  }

  private String sticky(String key) {
    return call("hi", Map.of(USER, key));
  }

  /** The outcome of the last finished call, once the router has reported it. */
  private CallOutcome lastOutcome(int finishedBefore) {
    await().atMost(Duration.ofSeconds(10)).until(() -> harness.calls.finished().size() > finishedBefore);
    List<CallOutcome> all = harness.calls.finished();
    return all.get(all.size() - 1);
  }

  @Test
  void aForcedCallAtWeightZeroIsServedThereWithoutTheForceHeaderAndSaysWhy() throws Exception {
    v1 = new TestBackend("v1");
    v2 = new TestBackend("v2");
    start(Configs.of(backend(v1, 1), backend(v2, 0)));

    assertThat(call("hi", Map.of(CANARY_BACKEND, "v2", TestBackend.ECHO_INITIAL, "kept"))).isEqualTo("v2");
    CallOutcome forced = lastOutcome(0);
    assertThat(v2.unaryHandled.get()).isEqualTo(1);
    assertThat(v2.lastHeaders.get().containsKey(CANARY_BACKEND)).as("the force header reached the backend").isFalse();
    assertThat(v2.lastHeaders.get().get(TestBackend.ECHO_INITIAL)).isEqualTo("kept");
    assertThat(forced.backend()).isEqualTo("v2");
    assertThat(forced.cause()).isEqualTo(RouteCause.HEADER);
    assertThat(forced.share()).isZero();

    assertThat(call("hi", Map.of())).isEqualTo("v1");
    CallOutcome weighted = lastOutcome(1);
    assertThat(weighted.cause()).isEqualTo(RouteCause.WEIGHT);
    assertThat(weighted.share()).isEqualTo(1.0);
  }

  @Test
  void anUnknownNameIsInvalidArgumentListingTheBackendsAndReachesNoBackend() throws Exception {
    v1 = new TestBackend("v1");
    v2 = new TestBackend("v2");
    start(Configs.of(backend(v1, 1), backend(v2, 1)));

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> forced("v9", "hi"));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).isEqualTo("siskin router: x-canary-backend: \"v9\" names no backend "
        + "(expected one of: v1, v2; or no x-canary-backend header to route by the weights)");
    assertThat(v1.calls.get() + v2.calls.get()).isZero();
    CallOutcome outcome = lastOutcome(0);
    assertThat(outcome.backend()).isEqualTo("-");
    assertThat(outcome.cause()).isEqualTo(RouteCause.HEADER);
    assertThat(outcome.routerError()).isTrue();
    assertThat(harness.router.routingRuleStats().forceUnknownTotal()).isEqualTo(1);
    // The router goes on serving.
    assertThat(forced("v2", "hi")).isEqualTo("v2");
  }

  /**
   * A failure that the router retries on another backend for an ordinary call (UNAVAILABLE before any response
   * header) ends a forced call with the forced backend's own status: another backend never answers it.
   */
  @Test
  void aForcedCallIsNeverRetriedOnAnotherBackend() throws Exception {
    v1 = new TestBackend("v1");
    v2 = new TestBackend("v2");
    start(Configs.of(backend(v1, 1), backend(v2, 1)));
    String failsOnV2 = "status@v2:UNAVAILABLE:v2 is down for the test";

    for (int i = 0; i < 4; i++) {
      assertThat(call(failsOnV2, Map.of())).as("an ordinary call, retried on v1 when it fails on v2").isEqualTo("v1");
    }
    int v1Before = v1.unaryHandled.get();
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> forced("v2", failsOnV2));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getStatus().getDescription()).isEqualTo("v2 is down for the test");
    assertThat(v1.unaryHandled.get()).isEqualTo(v1Before);
    assertThat(lastOutcome(4).attempts()).isEqualTo(1);
  }

  @Test
  void aForcedCallToADeadBackendFailsThereWithTheRoutersUnavailable() throws Exception {
    v1 = new TestBackend("v1");
    v2 = new TestBackend("v2");
    start(Configs.of(backend(v1, 1), backend(v2, 1)));
    String v2Target = v2.target();
    v2.close();

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> forced("v2", "hi"));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getStatus().getDescription()).startsWith("siskin router: backend v2 (" + v2Target + "): ")
        .endsWith("[forced by the request's routing.force-header: a forced call is never sent to another backend]");
    assertThat(v1.calls.get()).isZero();
  }

  @Test
  void aForcedCallToABackendAtItsInFlightCapIsRefusedAsAnyOther() throws Exception {
    v1 = new TestBackend("v1");
    v2 = new TestBackend("v2");
    start(Configs.of(backend(v1, 1), new BackendSpec("v2", v2.target(), 0, 1, null)));
    Metadata toV2 = new Metadata();
    toV2.put(CANARY_BACKEND, "v2");
    var slow = SimpleServiceGrpc.newFutureStub(harness.channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(toV2))
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage("sleep:3000").build());
    await().atMost(Duration.ofSeconds(10)).until(() -> v2.calls.get() == 1);

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> forced("v2", "hi"));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(e.getStatus().getDescription()).contains("backend v2 has 1 calls in flight");
    assertThat(slow.get(20, TimeUnit.SECONDS).getResponseMessage()).isEqualTo("slept");
  }

  /**
   * 40 keys at 50/50, three calls each: every key stays on one backend and both backends get keys. v2 turns
   * unhealthy: its keys move to v1 and no other key moves; v2 recovers: every key is back where it was.
   */
  @Test
  void stickyKeysStayOnOneBackendAndFollowItsHealth() throws Exception {
    v1 = TestBackend.withHealth("v1", ServingStatus.SERVING);
    v2 = TestBackend.withHealth("v2", ServingStatus.SERVING);
    start(Configs.of(backend(v1, 1), backend(v2, 1)).withRouting(STICKY));
    Map<String, String> home = new HashMap<>();
    for (int round = 0; round < 3; round++) {
      for (int k = 0; k < 40; k++) {
        String at = sticky("user-" + k);
        assertThat(home.computeIfAbsent("user-" + k, key -> at)).as("user-%d, round %d", k, round).isEqualTo(at);
      }
    }
    assertThat(home.values()).contains("v1", "v2");
    CallOutcome outcome = lastOutcome(119);
    assertThat(outcome.cause()).isEqualTo(RouteCause.STICKY);
    assertThat(outcome.share()).isEqualTo(0.5);
    assertThat(v1.lastHeaders.get().get(USER)).as("the sticky header is the caller's, forwarded").startsWith("user-");

    v2.setHealth(ServingStatus.NOT_SERVING);
    await().atMost(Duration.ofSeconds(20)).until(() -> harness.router.routingTable().weightsInForce().equals(List.of(1, 0)));
    home.forEach((key, at) -> assertThat(sticky(key)).as(key).isEqualTo("v1"));

    v2.setHealth(ServingStatus.SERVING);
    await().atMost(Duration.ofSeconds(20)).until(() -> harness.router.routingTable().weightsInForce().equals(List.of(1, 1)));
    home.forEach((key, at) -> assertThat(sticky(key)).as(key).isEqualTo(at));
  }

  @Test
  void theRulesAreHotReloaded() throws Exception {
    v1 = new TestBackend("v1");
    v2 = new TestBackend("v2");
    CanaryConfig config = Configs.of(backend(v1, 1), backend(v2, 0));
    start(config);
    assertThat(sticky("user-1")).isEqualTo("v1");
    assertThat(lastOutcome(0).cause()).isEqualTo(RouteCause.WEIGHT);

    harness.router.apply(config.withRouting(STICKY));
    assertThat(sticky("user-1")).isEqualTo("v1");
    assertThat(lastOutcome(1).cause()).isEqualTo(RouteCause.STICKY);

    harness.router.apply(config.withRouting(new RoutingSettings("", "x-user-id", "")));
    assertThat(forced("v2", "hi")).as("with the force header off, the weights decide").isEqualTo("v1");
    assertThat(v1.lastHeaders.get().get(CANARY_BACKEND)).as("and the header is just metadata").isEqualTo("v2");
    assertThat(harness.router.configState().current().routing().forceEnabled()).isFalse();
  }

  /**
   * A long sticky key: one of 4 kB is hashed whole and sticks like any other; one of 10 kB is over the limit on
   * request headers that the router's transport announces (gRPC's 8 KiB SETTINGS_MAX_HEADER_LIST_SIZE), so the
   * call is refused before any routing -- by a grpc-java client itself, as here, else by the router's transport --
   * and the router goes on serving.
   */
  @Test
  void aLongStickyKeyStaysAndAnOversizedOneIsRefusedByTheTransportAlone() throws Exception {
    v1 = new TestBackend("v1");
    v2 = new TestBackend("v2");
    start(Configs.of(backend(v1, 1), backend(v2, 1)).withRouting(STICKY));
    String fourKb = "k".repeat(4096);
    String first = sticky(fourKb);
    for (int i = 0; i < 5; i++) {
      assertThat(sticky(fourKb)).isEqualTo(first);
    }

    int served = v1.calls.get() + v2.calls.get();
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> sticky("k".repeat(10_240)));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(String.valueOf(e.getStatus().getCause())).contains("Header size exceeded max allowed size (8192)");
    assertThat(v1.calls.get() + v2.calls.get()).isEqualTo(served);
    assertThat(sticky("user-1")).isIn("v1", "v2");
  }
}
