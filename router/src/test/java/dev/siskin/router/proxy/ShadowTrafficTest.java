package dev.siskin.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.router.canary.SkipReason;
import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.RouterSettings;
import dev.siskin.router.config.ShadowSettings;
import dev.siskin.router.h2.LeakCheck;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.route.Policy;
import dev.siskin.router.testing.FutureObserver;
import dev.siskin.router.testing.RouterHarness;
import dev.siskin.router.testing.TestBackend;
import io.grpc.Status;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Shadow traffic through a real router on loopback: v1 serves every call (v2 has weight 0) and v2 gets a copy
 * of each; the client only ever sees v1, however v2 answers, fails or stalls; and when the copies are sent
 * ({@code shadow.send}).
 */
@ExtendWith(LeakCheck.class)
class ShadowTrafficTest {
  static final String METHOD = "grpc.testing.SimpleService/UnaryRpc";
  static final Duration WAIT = Duration.ofSeconds(20);

  final List<ShadowExchange> compared = new CopyOnWriteArrayList<>();
  final List<SkipReason> skipped = new CopyOnWriteArrayList<>();
  /** Served answers reported: only Predict's, so none in these tests of another method. */
  private final List<String> served = new CopyOnWriteArrayList<>();
  TestBackend v1;
  TestBackend v2;
  RouterHarness harness;

  @AfterEach
  void tearDown() throws Exception {
    if (harness != null) {
      harness.close();
    }
    for (TestBackend b : new TestBackend[] {v1, v2}) {
      if (b != null) {
        b.close();
      }
    }
  }

  private void start(int maxInFlight) throws Exception {
    start(maxInFlight, ShadowSettings.Send.AFTER_PRIMARY);
  }

  /** v1 serves every call and v2 gets copies of METHOD, at most {@code maxInFlight} at once, sent {@code send}. */
  void start(int maxInFlight, ShadowSettings.Send send) throws Exception {
    v1 = new TestBackend("v1");
    v2 = new TestBackend("v2");
    RouterSettings router = new RouterSettings("127.0.0.1:0", "127.0.0.1:0", Policy.SMOOTH_WEIGHTED_ROUND_ROBIN,
        false);
    CanaryConfig config = new CanaryConfig(router,
        List.of(new BackendSpec("v1", v1.target(), 1), new BackendSpec("v2", v2.target(), 0)), Path.of("test.conf"),
        Instant.now()).withShadow(new ShadowSettings("v2", 100, Set.of(METHOD), maxInFlight, send));
    harness = new RouterHarness(config);
    harness.router.addCanaryObserver(new CanaryObserver() {
      @Override
      public void compared(ShadowExchange exchange) {
        compared.add(exchange);
      }

      @Override
      public void skipped(String shadowBackend, String fullMethod, SkipReason reason) {
        skipped.add(reason);
      }

      @Override
      public void served(String backend, byte[] response) {
        served.add(backend);
      }
    });
  }

  SimpleResponse call(String message) {
    return SimpleServiceGrpc.newBlockingStub(harness.channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage(message).build());
  }

  @Test
  void everyAnswerComesFromThePrimaryAndTheShadowGetsEveryCopy() throws Exception {
    start(100);
    for (int i = 0; i < 50; i++) {
      assertThat(call("m" + i).getResponseMessage()).isEqualTo("m" + i);
    }

    Awaitility.await().atMost(WAIT).until(() -> compared.size() == 50);
    assertThat(harness.calls.finished()).extracting(CallOutcome::backend).containsOnly("v1").hasSize(50);
    assertThat(v2.unaryHandled.get()).isEqualTo(50);
    assertThat(compared).allSatisfy(pair -> {
      assertThat(pair.primaryBackend()).isEqualTo("v1");
      assertThat(pair.shadowBackend()).isEqualTo("v2");
      assertThat(pair.primary().sameAnswerAs(pair.shadow())).isTrue();
      assertThat(pair.request()).isNotNull();
      assertThat(pair.primary().firstResponse()).isNotNull();
    });
    assertThat(skipped).isEmpty();
    assertThat(served).isEmpty();
    Awaitility.await().atMost(WAIT).until(() -> harness.router.shadowInFlight() == 0);
  }

  @Test
  void aReloadKeepsTheShadowSettingsAndAppliesNewOnes() throws Exception {
    // A reload goes through the router's merge of restart-only settings: the shadow block must survive it.
    start(100);
    CanaryConfig running = harness.router.configState().current();
    harness.router.apply(new CanaryConfig(running.router(), running.routing(),
        List.of(new BackendSpec("v1", v1.target(), 2), new BackendSpec("v2", v2.target(), 0)), running.shadow(),
        running.rollout(), Path.of("test.conf"), Instant.now()));
    assertThat(harness.router.configState().current().shadow()).isEqualTo(running.shadow());
    assertThat(call("after reload").getResponseMessage()).isEqualTo("after reload");
    Awaitility.await().atMost(WAIT).until(() -> compared.size() == 1);

    harness.router.apply(running.withShadow(ShadowSettings.OFF));
    assertThat(call("shadow off").getResponseMessage()).isEqualTo("shadow off");
    Thread.sleep(300); // a copy, if one were made, would reach v2 well within this
    assertThat(v2.unaryHandled.get()).as("no copy once the reload turned shadowing off").isEqualTo(1);
  }

  @Test
  void aFailingShadowNeverFailsThePrimaryAndIsCountedAsAMismatch() throws Exception {
    start(100);
    assertThat(call("status@v2:INTERNAL:broken v2").getResponseMessage()).isEqualTo("status@v2:INTERNAL:broken v2");

    Awaitility.await().atMost(WAIT).until(() -> compared.size() == 1);
    assertThat(compared.get(0).primary().code()).isEqualTo(Status.Code.OK);
    assertThat(compared.get(0).shadow().code()).isEqualTo(Status.Code.INTERNAL);
    assertThat(compared.get(0).primary().sameAnswerAs(compared.get(0).shadow())).isFalse();
  }

  @Test
  void aStalledShadowDoesNotDelayThePrimaryAndTheCapSkipsFurtherCopies() throws Exception {
    start(1);
    long started = System.nanoTime();
    assertThat(call("sleep@v2:3000").getResponseMessage()).isEqualTo("sleep@v2:3000");
    long primaryMillis = (System.nanoTime() - started) / 1_000_000;
    assertThat(primaryMillis).as("the primary does not wait for its 3 s shadow").isLessThan(2000);
    // The first copy still runs: the cap of 1 skips the next one, and the primary does not notice.
    assertThat(call("after").getResponseMessage()).isEqualTo("after");
    assertThat(skipped).containsExactly(SkipReason.IN_FLIGHT_LIMIT);

    Awaitility.await().atMost(WAIT).until(() -> compared.size() == 1);
    assertThat(compared.get(0).shadow().code()).isEqualTo(Status.Code.OK);
    assertThat(harness.router.shadowInFlight()).isZero();
  }

  @Test
  void aPrimaryTheClientCancelsCancelsItsShadowAndCountsIt() throws Exception {
    start(100);
    FutureObserver<SimpleResponse> result = new FutureObserver<>();
    SimpleServiceGrpc.newStub(harness.channel).withDeadlineAfter(300, TimeUnit.MILLISECONDS)
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage("sleep:5000").build(), result);

    Awaitility.await().atMost(WAIT).until(() -> skipped.contains(SkipReason.PRIMARY_CANCELLED));
    Awaitility.await().atMost(WAIT).until(() -> harness.router.shadowInFlight() == 0);
    assertThat(compared).isEmpty();
  }

  @Test
  void aDeadShadowCostsTheClientNothing() throws Exception {
    start(100);
    v2.close();
    for (int i = 0; i < 20; i++) {
      assertThat(call("d" + i).getResponseMessage()).isEqualTo("d" + i);
    }
    Awaitility.await().atMost(WAIT).until(() -> compared.size() + skipped.size() == 20);
    assertThat(compared).allSatisfy(pair -> assertThat(pair.shadow().code()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(skipped).allSatisfy(reason -> assertThat(reason).isEqualTo(SkipReason.BACKEND_UNAVAILABLE));
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
