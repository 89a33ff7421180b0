package dev.siskin.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.siskin.router.config.Forwarding;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.testing.OneBackendTestBase;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * router.max-message-bytes on the grpc core, which holds each message whole and so must cap it (4 MiB in these
 * tests). The frame core has no cap of its own: a 10 MiB message passes (FrameForwarderTest).
 */
class GrpcCoreMessageLimitsTest extends OneBackendTestBase {
  @Override
  protected Forwarding forwarding() {
    return Forwarding.GRPC;
  }

  private SimpleServiceGrpc.SimpleServiceBlockingStub blocking() {
    return SimpleServiceGrpc.newBlockingStub(harness.channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static SimpleRequest request(String message) {
    return SimpleRequest.newBuilder().setRequestMessage(message).build();
  }

  private CallOutcome lastOutcome() {
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
        .until(() -> !harness.calls.finished().isEmpty());
    List<CallOutcome> all = harness.calls.finished();
    return all.get(all.size() - 1);
  }

  @Test
  void requestBeyondTheLimitIsRejectedBeforeTheBackend() {
    int handledBefore = backend.unaryHandled.get();
    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
        () -> blocking().unaryRpc(request("r".repeat((4 << 20) + 1))));

    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(backend.unaryHandled.get()).isEqualTo(handledBefore);
    assertThat(lastOutcome().code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(lastOutcome().routerError()).isTrue();
  }

  @Test
  void responseBeyondTheLimitIsRejectedByTheRouterAndSaysSo() {
    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
        () -> blocking().unaryRpc(request("size:" + (5 << 20))));

    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(error.getStatus().getDescription()).startsWith("siskin router: response message from backend v1");
    assertThat(lastOutcome().routerError()).isTrue();
  }
}
