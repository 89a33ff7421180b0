package dev.siskin.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.router.canary.SkipReason;
import dev.siskin.router.config.Forwarding;
import dev.siskin.router.config.ShadowSettings;
import dev.siskin.router.h2.LeakCheck;
import dev.siskin.router.testing.FutureObserver;
import io.grpc.Status;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every case of {@link ShadowTrafficTest} on the frame core ({@code router.forwarding = frames}), and when its
 * copies are sent ({@code shadow.send}), which only the frame core knows.
 */
@ExtendWith(LeakCheck.class)
class ShadowTrafficOnFramesTest extends ShadowTrafficTest {
  @Override
  Forwarding forwarding() {
    return Forwarding.FRAMES;
  }

  private FutureObserver<SimpleResponse> callAsync(String message) {
    FutureObserver<SimpleResponse> result = new FutureObserver<>();
    SimpleServiceGrpc.newStub(harness.channel).withDeadlineAfter(20, TimeUnit.SECONDS)
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage(message).build(), result);
    return result;
  }

  @Test
  void aHeldCopyReachesTheShadowOnlyOnceThePrimaryHasAnswered() throws Exception {
    start(100, ShadowSettings.Send.AFTER_PRIMARY);
    FutureObserver<SimpleResponse> primary = callAsync("sleep@v1:1500");
    Awaitility.await().atMost(WAIT).until(() -> v1.unaryHandled.get() == 1);
    Thread.sleep(700); // well inside v1's 1.5 s: a copy sent with the request would be at v2 by now
    assertThat(primary.result().isDone()).isFalse();
    assertThat(v2.unaryHandled.get()).as("no copy while its primary is out").isZero();

    assertThat(primary.result().get(WAIT.toSeconds(), TimeUnit.SECONDS).getResponseMessage()).isEqualTo("slept");
    Awaitility.await().atMost(WAIT).until(() -> compared.size() == 1);
    assertThat(v2.unaryHandled.get()).isEqualTo(1);
    // v2 echoes what v1 slept on: a real, different answer, compared after both ended.
    assertThat(compared.get(0).shadow().code()).isEqualTo(Status.Code.OK);
    assertThat(compared.get(0).primary().sameAnswerAs(compared.get(0).shadow())).isFalse();
    assertThat(compared.get(0).shadow().durationNanos())
        .as("the copy's latency runs from when it was sent, not from its primary's start")
        .isLessThan(Duration.ofMillis(1500).toNanos());
    Awaitility.await().atMost(WAIT).until(() -> harness.router.shadowInFlight() == 0);
  }

  @Test
  void withPrimaryTheCopyRunsWhileItsPrimaryIsOut() throws Exception {
    start(100, ShadowSettings.Send.WITH_PRIMARY);
    FutureObserver<SimpleResponse> primary = callAsync("sleep@v1:4000");
    Awaitility.await().atMost(Duration.ofMillis(3500)).until(() -> v2.unaryHandled.get() == 1);
    assertThat(primary.result().isDone()).as("v2 got its copy before v1 answered").isFalse();
    assertThat(primary.result().get(WAIT.toSeconds(), TimeUnit.SECONDS).getResponseMessage()).isEqualTo("slept");
    Awaitility.await().atMost(WAIT).until(() -> compared.size() == 1);
  }

  @Test
  void aHeldRequestOverTheHoldIsDroppedUnsentAndCounted() throws Exception {
    start(100, ShadowSettings.Send.AFTER_PRIMARY);
    String big = "x".repeat(2 << 20); // 2 MiB: over the 1 MiB a held copy may keep
    assertThat(call(big).getResponseMessage()).hasSize(big.length());
    assertThat(call("small").getResponseMessage()).isEqualTo("small");

    Awaitility.await().atMost(WAIT).until(() -> compared.size() == 1 && skipped.size() == 1);
    assertThat(skipped).containsExactly(SkipReason.REQUEST_TOO_LARGE);
    assertThat(v2.unaryHandled.get()).as("only the small call's copy was sent").isEqualTo(1);
    Awaitility.await().atMost(WAIT).until(() -> harness.router.shadowInFlight() == 0);
  }
}
