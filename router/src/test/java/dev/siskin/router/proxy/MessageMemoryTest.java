package dev.siskin.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.siskin.router.accesslog.AccessLogFormat;
import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.FailureSettings;
import dev.siskin.router.config.Forwarding;
import dev.siskin.router.config.RouterSettings;
import dev.siskin.router.route.Policy;
import dev.siskin.router.testing.Configs;
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

/**
 * router.message-memory: a large message that finds no room fails its own call with RESOURCE_EXHAUSTED,
 * before the backend sees it (request) or the client does (response); the router goes on, and every byte
 * held is given back.
 */
class MessageMemoryTest {
  private static final long LIMIT = 200 * 1024;
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

  @Test
  void unitBudgetCountsOnlyLargeMessagesAndRefusesPastTheLimit() {
    MessageMemory memory = new MessageMemory(() -> LIMIT);
    assertThat(memory.tryHold(MessageMemory.COUNTED_FROM - 1)).isZero();
    long first = memory.tryHold(136 * 1024);
    assertThat(first).isEqualTo(136 * 1024);
    assertThat(memory.tryHold(100 * 1024)).as("136 + 100 KiB > 200 KiB").isEqualTo(-1);
    assertThat(memory.tryHold(64 * 1024)).as("fits exactly").isEqualTo(64 * 1024);
    assertThat(memory.held()).isEqualTo(LIMIT);
    memory.release(first);
    memory.release(64 * 1024);
    assertThat(memory.held()).isZero();
    assertThat(MessageMemory.autoLimit(128L << 20, 16 << 20)).isEqualTo(32L << 20);
    assertThat(MessageMemory.autoLimit(8L << 30, 16 << 20)).isEqualTo(2L << 30);
  }

  @Test
  void aRequestWithoutRoomFailsItsCallBeforeTheBackendAndTheRouterGoesOn() throws Exception {
    start();
    int handledBefore = backend.unaryHandled.get();

    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
        () -> call("r".repeat(300 * 1024)));

    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(error.getStatus().getDescription()).contains("request message", "router.message-memory (204800 bytes)");
    assertThat(backend.unaryHandled.get()).isEqualTo(handledBefore);
    String fits = "f".repeat(150 * 1024);
    assertThat(call(fits).getResponseMessage()).isEqualTo(fits);
    assertNothingHeld();
  }

  @Test
  void aResponseWithoutRoomFailsItsCallAndTheRouterGoesOn() throws Exception {
    start();

    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
        () -> call("size:" + (300 * 1024)));

    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(error.getStatus().getDescription()).contains("response message", "router.message-memory");
    assertThat(call("size:" + (150 * 1024)).getResponseMessage()).hasSize(150 * 1024);
    assertNothingHeld();
  }

  @Test
  void manySequentialLargeCallsGiveBackEveryByte() throws Exception {
    start();
    String big = "m".repeat(120 * 1024);
    for (int i = 0; i < 50; i++) {
      assertThat(call(big).getResponseMessage()).hasSize(big.length());
    }
    assertNothingHeld();
  }

  private void start() throws Exception {
    backend = new TestBackend("v1");
    FailureSettings d = FailureSettings.defaults();
    FailureSettings.Limits l = d.limits();
    FailureSettings.Limits limits = new FailureSettings.Limits(l.defaultDeadline(), l.connectTimeout(),
        l.keepaliveTime(), l.keepaliveTimeout(), l.maxInFlightPerBackend(), l.drainGrace(), l.drainTimeout(), LIMIT, l.dnsRefresh());
    RouterSettings router = new RouterSettings("127.0.0.1:0", "127.0.0.1:0", Policy.SMOOTH_WEIGHTED_ROUND_ROBIN,
        4 << 20, false, AccessLogFormat.TEXT, new FailureSettings(d.healthCheck(), d.outlier(), d.retry(), limits));
    CanaryConfig config = new CanaryConfig(router, List.of(new BackendSpec("v1", backend.target(), 1)),
        Path.of("test.conf"), Instant.now());
    // The grpc core holds messages whole and so needs the budget; the frame core holds none.
    harness = new RouterHarness(Configs.withForwarding(config, Forwarding.GRPC));
  }

  private SimpleResponse call(String message) {
    return SimpleServiceGrpc.newBlockingStub(harness.channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage(message).build());
  }

  /** The call's outcome is reported just after the client has its answer: wait for the release too. */
  private void assertNothingHeld() {
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> harness.router.messageMemory().held() == 0);
  }
}
