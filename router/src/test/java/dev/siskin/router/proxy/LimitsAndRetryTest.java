package dev.siskin.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.siskin.router.accesslog.AccessLogFormat;
import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.FailureSettings;
import dev.siskin.router.config.RouterSettings;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.route.Policy;
import dev.siskin.router.testing.CyclingPicker;
import dev.siskin.router.testing.FutureObserver;
import dev.siskin.router.testing.RouterHarness;
import dev.siskin.router.testing.TestBackend;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** In-flight cap, default deadline and retry of a refused connection, through a real router on loopback. */
class LimitsAndRetryTest {
  private TestBackend backend;
  private RouterHarness harness;

  @AfterEach
  void tearDown() throws Exception {
    if (harness != null) {
      harness.close();
    }
    if (backend != null) {
      backend.close();
    }
  }

  private static CanaryConfig config(FailureSettings.Limits limits, BackendSpec... backends) {
    return config(FailureSettings.defaults().healthCheck(), limits, backends);
  }

  private static CanaryConfig config(FailureSettings.HealthCheck checks, FailureSettings.Limits limits,
      BackendSpec... backends) {
    FailureSettings d = FailureSettings.defaults();
    RouterSettings router = new RouterSettings("127.0.0.1:0", "127.0.0.1:0", Policy.SMOOTH_WEIGHTED_ROUND_ROBIN,
        false, AccessLogFormat.TEXT, new FailureSettings(checks, d.outlier(), d.retry(), limits));
    return new CanaryConfig(router, List.of(backends), Path.of("test.conf"), Instant.now());
  }

  private static FailureSettings.Limits limits(Duration defaultDeadline) {
    FailureSettings.Limits d = FailureSettings.defaults().limits();
    return new FailureSettings.Limits(defaultDeadline, d.connectTimeout(), d.keepaliveTime(), d.keepaliveTimeout(),
        d.maxInFlightPerBackend(), d.drainGrace(), d.drainTimeout(), d.dnsRefresh());
  }

  private SimpleResponse call(String message) {
    return SimpleServiceGrpc.newBlockingStub(harness.channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage(message).build());
  }

  @Test
  void beyondItsInFlightCapABackendRefusesAtOnceWithResourceExhausted() throws Exception {
    backend = new TestBackend("v1");
    harness = new RouterHarness(config(FailureSettings.defaults().limits(),
        new BackendSpec("v1", backend.target(), 1, 1, null)));
    FutureObserver<SimpleResponse> slow = new FutureObserver<>();
    SimpleServiceGrpc.newStub(harness.channel).unaryRpc(
        SimpleRequest.newBuilder().setRequestMessage("sleep:1500").build(), slow);
    Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> harness.router.routingTable().backends().get(0).inFlight() == 1);

    StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () -> call("hi"));

    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refused.getStatus().getDescription()).startsWith("siskin router: backend v1 has 1 calls in flight");
    assertThat(slow.result().get(30, TimeUnit.SECONDS).getResponseMessage()).isEqualTo("slept");
    assertThat(call("after").getResponseMessage()).isEqualTo("after");
  }

  @Test
  void aCallWithoutDeadlineGetsTheDefaultOneAndIsToldSo() throws Exception {
    backend = new TestBackend("v1");
    harness = new RouterHarness(config(limits(Duration.ofMillis(300)), new BackendSpec("v1", backend.target(), 1)));

    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class, () ->
        SimpleServiceGrpc.newBlockingStub(harness.channel)
            .unaryRpc(SimpleRequest.newBuilder().setRequestMessage("sleep:5000").build()));

    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(error.getStatus().getDescription()).contains("router.default-deadline (300 ms)");
    assertThat(backend.lastDeadline.get()).isNotNull();
  }

  @Test
  void aRefusedConnectionIsRetriedOnTheOtherBackendAndCounted() throws Exception {
    backend = new TestBackend("v1");
    String dead;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      dead = "127.0.0.1:" + socket.getLocalPort();
    }
    // Health checks off and a cycling picker: the first call goes to "down" first.
    FailureSettings.HealthCheck d = FailureSettings.defaults().healthCheck();
    FailureSettings.HealthCheck off = new FailureSettings.HealthCheck(false, d.interval(), d.timeout(),
        d.unhealthyThreshold(), d.healthyThreshold(), d.service());
    harness = new RouterHarness(config(off, FailureSettings.defaults().limits(),
        new BackendSpec("down", dead, 1), new BackendSpec("v1", backend.target(), 1)), CyclingPicker::create);

    assertThat(call("one").getResponseMessage()).isEqualTo("one");
    assertThat(call("two").getResponseMessage()).isEqualTo("two");

    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> harness.calls.finished().size() == 2);
    assertThat(harness.calls.finished()).extracting(CallOutcome::backend).containsOnly("v1");
    assertThat(harness.calls.finished()).extracting(CallOutcome::attempts).contains(2);
    assertThat(harness.router.retryStats().retriesFrom("down")).isPositive();
  }
}
