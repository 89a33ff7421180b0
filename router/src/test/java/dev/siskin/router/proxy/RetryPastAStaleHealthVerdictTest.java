package dev.siskin.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.siskin.router.accesslog.AccessLogFormat;
import dev.siskin.router.cluster.Backend;
import dev.siskin.router.cluster.HostHealth;
import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.FailureSettings;
import dev.siskin.router.config.RouterSettings;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.route.Policy;
import dev.siskin.router.testing.Configs;
import dev.siskin.router.testing.CyclingPicker;
import dev.siskin.router.testing.RouterHarness;
import dev.siskin.router.testing.TestBackend;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.stub.MetadataUtils;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Where a retry goes when the only other backend is out of rotation, and an attempt that fails inside its own
 * start(), through a real router on loopback.
 *
 * <p>The first case is what failed calls in {@code FailoverIT}'s kill test on a busy machine: v1's first health
 * check ran over its 500 ms timeout, so v1 was "unhealthy" (while serving fine) when v2 was killed; the calls
 * in flight on v2 were retried on v2 again -- the only routable backend -- and failed there a second time.
 */
class RetryPastAStaleHealthVerdictTest {
  private static final Metadata.Key<String> CANARY_BACKEND =
      Metadata.Key.of("x-canary-backend", Metadata.ASCII_STRING_MARSHALLER);
  private TestBackend v1;
  private TestBackend v2;
  private RouterHarness harness;

  @AfterEach
  void tearDown() throws Exception {
    if (harness != null) {
      harness.close();
    }
    for (TestBackend backend : new TestBackend[] {v1, v2}) {
      if (backend != null) {
        backend.close();
      }
    }
  }

  @Test
  void aRetryGoesToTheUntriedUnhealthyBackendRatherThanBackToTheOneThatJustFailed() throws Exception {
    v1 = TestBackend.withHealth("v1", ServingStatus.NOT_SERVING); // serves calls, fails its health checks
    v2 = new TestBackend("v2"); // no health service: UNIMPLEMENTED, which passes
    harness = new RouterHarness(Configs.of(Configs.backend(v1, 1), Configs.backend(v2, 1)));
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        harness.router.routingTable().weightsInForce().equals(List.of(0, 1)));
    assertThat(state("v1")).isEqualTo(HostHealth.State.UNHEALTHY);
    assertThat(harness.router.routingTable().panic()).isFalse();

    // v2 is the only routable backend and fails this call with UNAVAILABLE before any response header.
    AtomicReference<Metadata> headers = new AtomicReference<>();
    SimpleResponse answer = SimpleServiceGrpc.newBlockingStub(harness.channel)
        .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>()))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage("status@v2:UNAVAILABLE:v2 is down").build());

    assertThat(answer.getResponseMessage()).isEqualTo("status@v2:UNAVAILABLE:v2 is down"); // echoed by v1
    assertThat(headers.get().get(CANARY_BACKEND)).isEqualTo("v1");
    assertThat(harness.router.retryStats().retriesFrom("v2")).isEqualTo(1);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> harness.calls.finished().size() == 1);
    CallOutcome outcome = harness.calls.finished().get(0);
    assertThat(outcome.backend()).isEqualTo("v1");
    assertThat(outcome.attempts()).isEqualTo(2);
    // The canary judge reads the first attempt: v2 was chosen (the only routable backend, share 1) and failed.
    assertThat(outcome.first()).isEqualTo(new CallOutcome.FirstAttempt("v2", 1.0, io.grpc.Status.Code.UNAVAILABLE));
    assertThat(v2.unaryHandled.get()).isEqualTo(1);

    // Only the retry went past the health verdict: new calls still go to v2 alone.
    assertThat(SimpleServiceGrpc.newBlockingStub(harness.channel)
        .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>()))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage("next").build()).getResponseMessage())
        .isEqualTo("next");
    assertThat(headers.get().get(CANARY_BACKEND)).isEqualTo("v2");
  }

  @Test
  void attemptsThatBothFailInsideStartEndTheCallWithoutAnExceptionInTheCallbacks() throws Exception {
    // Two dead ports and no health checks: once a first call has failed on both, both channels are in
    // TRANSIENT_FAILURE (for their ~1 s reconnect backoff), where a new attempt fails inside its start().
    FailureSettings.HealthCheck d = FailureSettings.defaults().healthCheck();
    FailureSettings.HealthCheck off = new FailureSettings.HealthCheck(false, d.interval(), d.timeout(),
        d.unhealthyThreshold(), d.healthyThreshold(), d.service());
    FailureSettings f = FailureSettings.defaults();
    RouterSettings router = new RouterSettings("127.0.0.1:0", "127.0.0.1:0", Policy.SMOOTH_WEIGHTED_ROUND_ROBIN,
        false, AccessLogFormat.TEXT, new FailureSettings(off, f.outlier(), f.retry(), f.limits()));
    CanaryConfig config = new CanaryConfig(router,
        List.of(new BackendSpec("a", deadTarget(), 1), new BackendSpec("b", deadTarget(), 1)),
        Path.of("test.conf"), Instant.now());
    harness = new RouterHarness(config, CyclingPicker::create);
    ConcurrentLinkedQueue<LogRecord> callbackErrors = new ConcurrentLinkedQueue<>();
    Logger grpcCalls = Logger.getLogger("io.grpc.internal.ClientCallImpl");
    Handler recorder = new Handler() {
      @Override
      public void publish(LogRecord record) {
        callbackErrors.add(record);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    grpcCalls.addHandler(recorder);
    try {
      for (int i = 0; i < 4; i++) {
        StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class, () ->
            SimpleServiceGrpc.newBlockingStub(harness.channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .unaryRpc(SimpleRequest.newBuilder().setRequestMessage("hi").build()));
        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(error.getStatus().getDescription()).startsWith("siskin router: backend ");
      }
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> harness.calls.finished().size() == 4);
      assertThat(harness.calls.finished()).extracting(CallOutcome::attempts).containsOnly(2);
      assertThat(callbackErrors).extracting(r -> r.getMessage() + ": " + r.getThrown()).isEmpty();
    } finally {
      grpcCalls.removeHandler(recorder);
    }
  }

  private HostHealth.State state(String name) {
    for (Backend backend : harness.router.routingTable().backends()) {
      if (backend.name().equals(name)) {
        return backend.health().status().state();
      }
    }
    throw new AssertionError("no backend " + name);
  }

  private static String deadTarget() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return "127.0.0.1:" + socket.getLocalPort();
    }
  }
}
