package dev.siskin.router.e2e;

import static dev.siskin.router.e2e.RolloutWatch.awaitRollout;
import static dev.siskin.router.e2e.RolloutWatch.kinds;
import static dev.siskin.router.e2e.RolloutWatch.rollout;
import static dev.siskin.router.e2e.RolloutWatch.state;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.siskin.proto.v1.PredictRequest;
import dev.siskin.router.testing.TestBackend;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The automated rollout with the real jars and steps of seconds: a healthy v2 reaches 100 %, a failing, slow or
 * wrong v2 is rolled back by the gate that sees it, no traffic holds, a restart resumes, an operator's stage.sh
 * wins, and a rollback ends v2's long streams within the grace.
 */
class RolloutIT {

  @TempDir
  Path dir;

  private final List<AutoCloseable> started = new ArrayList<>();

  @AfterEach
  void stopAll() throws Exception {
    for (int i = started.size() - 1; i >= 0; i--) {
      started.get(i).close();
    }
  }

  private Path config() {
    return dir.resolve("canary.conf");
  }

  private <T extends AutoCloseable> T keep(T closeable) {
    started.add(closeable);
    return closeable;
  }

  /** Writes the config for two backends (file weights v1=100 v2=0) and this rollout block, starts the router. */
  private RouterJar router(String name, String v1, String v2, String rollout) throws Exception {
    return keep(RouterJar.start(name, config(), (listen, admin) -> Files.writeString(config(), """
        router { listen = "127.0.0.1:%d", admin = "127.0.0.1:%d" }
        backends {
          v1 { target = "%s", weight = 100 }
          v2 { target = "%s", weight = 0 }
        }
        rollout {
          enabled = true
          run-id = "it"
          step-time = 2s
          min-calls = 100
          stream-grace = 2s
          latency { baseline-calls = 100 }
          %s
        }
        """.formatted(listen, admin, v1, v2, rollout))));
  }

  /**
   * For the tests of a healthy v2: on this shared 2-core machine a canary at a tenth of the traffic is measurably
   * slower than the baseline at nine tenths when the cores are contended (with two CPU hogs beside the test, 12 %
   * of a healthy v2's calls were over the slow-call threshold against 1.3 % of v1's: a lightly loaded server wakes
   * from idle and runs colder code). That asymmetry of load is real but not what these tests are about, so they
   * tolerate a canary slow up to 4 times as often (the default is 1.5); aSlowV2IsRolledBackByTheLatencyGate keeps
   * the default. docs/rollout.md says the same to users.
   */
  private static final String LOAD_TOLERANT_LATENCY = "latency { margin = 4 }";

  private PacedLoad load(RouterJar router, int rate) throws Exception {
    PredictClient client = new PredictClient(router.port());
    keep(() -> client.channel().shutdownNow().awaitTermination(10, TimeUnit.SECONDS));
    return keep(PacedLoad.start(client, IrisRows.all(), rate, 150));
  }

  @Test
  void aHealthyV2GoesThroughEveryStepTo100PercentWithNoFailedCall() throws Exception {
    ModelServerJar v1 = keep(ModelServerJar.start("v1.0.0", Map.of()));
    ModelServerJar v2 = keep(ModelServerJar.start("v2.0.0", Map.of()));
    RouterJar router = router("router-rollout-good", v1.target(), v2.target(), "steps = [shadow, 10, 50, 90, 100]\n" + LOAD_TOLERANT_LATENCY);
    PacedLoad load = load(router, 200);
    JsonNode done = awaitRollout(router, state("promoted").or(state("rolled-back")), "promoted");
    load.close();
    assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("promoted");
    assertThat(kinds(done)).containsExactly("start", "advance", "advance", "advance", "promote");
    assertThat(load.tally().failed()).as("failed client calls").isZero();
    JsonNode config = router.admin().config();
    assertThat(config.get("rollout").get("weightsFrom").asText()).isEqualTo("rollout");
    assertThat(config.get("backends").get(1).get("weight").asInt()).isEqualTo(100);
    assertThat(config.get("backends").get(1).get("fileWeight").asInt()).isZero();
    Map<String, Double> series = new java.util.HashMap<>();
    router.admin().metrics().values().stream().flatMap(f -> f.samples().stream())
        .filter(x -> x.name().startsWith("siskin_router_rollout_"))
        .forEach(x -> series.put(x.name() + x.labels(), x.value()));
    assertThat(series).containsEntry("siskin_router_rollout_state{state=promoted}", 1.0)
        .containsEntry("siskin_router_rollout_state{state=running}", 0.0)
        .containsEntry("siskin_router_rollout_step{}", 4.0)
        .containsEntry("siskin_router_rollout_canary_share{}", 1.0)
        .containsEntry("siskin_router_rollout_decisions_total{kind=advance}", 3.0)
        .containsEntry("siskin_router_rollout_decisions_total{kind=promote}", 1.0);
    System.out.printf("e2e rollout good: promoted; %d client calls, 0 failed; history %s%n", load.tally().total(),
        kinds(done));
  }

  @Test
  void aV2FailingTenPercentWithInternalIsRolledBackAtItsFirstServedStep() throws Exception {
    ModelServerJar v1 = keep(ModelServerJar.start("v1.0.0", Map.of()));
    ModelServerJar v2 = keep(ModelServerJar.start("v2.0.0",
        Map.of("FAULT_ERROR_RATE", "0.1", "FAULT_ERROR_CODE", "INTERNAL", "FAULT_SEED", "3")));
    // No shadow step: a shadow step would catch it before it serves anyone (its failed copies count as
    // disagreements); this test is about the error gate on served calls.
    RouterJar router = router("router-rollout-errors", v1.target(), v2.target(), "steps = [10, 50, 90, 100]");
    PacedLoad load = load(router, 200);
    JsonNode done = awaitRollout(router, state("rolled-back").or(state("promoted")), "rolled-back");
    load.close();
    assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("rolled-back");
    JsonNode rollBack = done.get("history").get(done.get("history").size() - 1);
    assertThat(rollBack.get("kind").asText()).isEqualTo("roll-back");
    assertThat(rollBack.get("fromStep").asInt()).as("rolled back at its first served step").isZero();
    assertThat(done.get("canaryPercent").asInt()).isZero();
    int failed = load.tally().failed();
    assertThat(load.tally().byStatus("INTERNAL")).isEqualTo(failed);
    assertThat(failed).as("client calls failed before the rollback").isPositive().isLessThan(100);
    System.out.printf("e2e rollout errors: rolled back at step %s after %d failed client calls (of %d); %s%n",
        done.get("steps").get(rollBack.get("fromStep").asInt()), failed, load.tally().total(),
        rollBack.get("reason").asText());
  }

  @Test
  void aSlowV2IsRolledBackByTheLatencyGate() throws Exception {
    ModelServerJar v1 = keep(ModelServerJar.start("v1.0.0", Map.of()));
    ModelServerJar v2 = keep(ModelServerJar.start("v2.0.0", Map.of("FAULT_LATENCY_MS", "30")));
    RouterJar router = router("router-rollout-latency", v1.target(), v2.target(), "steps = [10, 50, 100]");
    PacedLoad load = load(router, 200);
    JsonNode done = awaitRollout(router, state("rolled-back").or(state("promoted")), "rolled-back");
    load.close();
    assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("rolled-back");
    JsonNode rollBack = done.get("history").get(done.get("history").size() - 1);
    assertThat(rollBack.get("evidence")).anySatisfy(g -> {
      assertThat(g.get("gate").asText()).isEqualTo("latency");
      assertThat(g.get("verdict").asText()).isEqualTo("reject");
    });
    assertThat(load.tally().failed()).isZero();
    assertThat(rollBack.get("fromStep").asInt()).as("rolled back at its first served step").isZero();
    System.out.printf("e2e rollout latency: rolled back at step %s: %s%n",
        done.get("steps").get(rollBack.get("fromStep").asInt()), rollBack.get("reason").asText());
  }

  @Test
  void aV2ThatAnswersWrongIsRolledBackInTheShadowStepWithoutAnyClientSeeingIt() throws Exception {
    ModelServerJar v1 = keep(ModelServerJar.start("v1.0.0", Map.of()));
    ModelServerJar v2 = keep(ModelServerJar.start("v2.0.0", Map.of("FAULT_WRONG_RATE", "0.3", "FAULT_SEED", "5")));
    RouterJar router = router("router-rollout-wrong", v1.target(), v2.target(), "steps = [shadow, 10, 50, 100]");
    PacedLoad load = load(router, 200);
    JsonNode done = awaitRollout(router, state("rolled-back").or(r -> r.get("step").asInt() > 0), "rolled-back");
    load.close();
    assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("rolled-back");
    assertThat(done.get("step").asInt()).as("the shadow step").isZero();
    assertThat(load.tally().failed()).isZero();
    assertThat(load.tally().byHeader("v2")).as("no client answer came from v2").isZero();
    assertThat(load.tally().byHeader("v1")).isEqualTo(load.tally().total());
    System.out.printf("e2e rollout predictions: rolled back in the shadow step; %d client calls, all from v1; %s%n",
        load.tally().total(), done.get("history").get(done.get("history").size() - 1).get("reason").asText());
  }

  @Test
  void withoutTrafficTheRolloutHoldsAndSaysItWaits() throws Exception {
    ModelServerJar v1 = keep(ModelServerJar.start("v1.0.0", Map.of()));
    ModelServerJar v2 = keep(ModelServerJar.start("v2.0.0", Map.of()));
    RouterJar router = router("router-rollout-idle", v1.target(), v2.target(), "steps = [10, 100]");
    Thread.sleep(6000); // three step times
    JsonNode r = rollout(router);
    assertThat(r.get("state").asText()).isEqualTo("running");
    assertThat(r.get("step").asInt()).isZero();
    assertThat(r.get("waiting").asText()).contains("waiting for traffic: 0 of 100 canary calls");
  }

  @Test
  void aRouterRestartedMidRolloutResumesAtTheSameStep() throws Exception {
    ModelServerJar v1 = keep(ModelServerJar.start("v1.0.0", Map.of()));
    ModelServerJar v2 = keep(ModelServerJar.start("v2.0.0", Map.of()));
    String plan = "steps = [10, 50, 90, 100]\n" + LOAD_TOLERANT_LATENCY;
    RouterJar first = router("router-rollout-before", v1.target(), v2.target(), plan);
    PacedLoad load = load(first, 200);
    JsonNode before = awaitRollout(first, r -> r.get("step").asInt() >= 1, "step 1");
    load.close();
    int step = rollout(first).get("step").asInt();
    first.process().sigterm();
    assertThat(first.process().awaitExit(Duration.ofSeconds(60))).isZero();
    assertThat(Files.exists(dir.resolve("canary.conf.rollout.json"))).isTrue();

    RouterJar second = router("router-rollout-after", v1.target(), v2.target(), plan);
    JsonNode after = rollout(second);
    assertThat(after.get("state").asText()).isEqualTo("running");
    assertThat(after.get("step").asInt()).as("the step before the restart (%s)", before).isEqualTo(step);
    assertThat(kinds(after).get(kinds(after).size() - 1)).isEqualTo("resume-after-restart");
    assertThat(after.get("judge").get("counts").get("canaryCalls").asLong()).as("fresh evidence").isZero();
    assertThat(second.admin().config().get("backends").get(1).get("weight").asInt())
        .isEqualTo(after.get("canaryPercent").asInt());
  }

  @Test
  void aManualStageDuringARolloutIsObeyedAndEndsIt() throws Exception {
    ModelServerJar v1 = keep(ModelServerJar.start("v1.0.0", Map.of()));
    ModelServerJar v2 = keep(ModelServerJar.start("v2.0.0", Map.of()));
    RouterJar router = router("router-rollout-manual", v1.target(), v2.target(),
        "steps = [10, 50, 100]\n  step-time = 10m");
    assertThat(router.admin().config().get("backends").get(1).get("weight").asInt()).isEqualTo(10);
    StageScript.run(config(), "50");
    JsonNode ended = awaitRollout(router, state("disabled"), "disabled");
    assertThat(ended.get("history").get(ended.get("history").size() - 1).get("kind").asText()).isEqualTo("end");
    JsonNode config = router.admin().config();
    assertThat(config.get("rollout").get("weightsFrom").asText()).isEqualTo("file");
    assertThat(config.get("backends").get(0).get("weight").asInt()).isEqualTo(50);
    assertThat(config.get("backends").get(1).get("weight").asInt()).isEqualTo(50);
  }

  @Test
  void aRollbackEndsTheCanarysLongStreamWithinTheGrace() throws Exception {
    TestBackend v1 = keep(new TestBackend("v1"));
    TestBackend v2 = keep(new TestBackend("v2"));
    RouterJar router = router("router-rollout-stream", v1.target(), v2.target(), "steps = [10, 100]");
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", router.port(),
        InsecureChannelCredentials.create()).build();
    keep(() -> channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS));

    // A long bidi stream on v2 (the force header puts it there), open until the server ends it.
    Metadata force = new Metadata();
    force.put(Metadata.Key.of("x-canary-backend", Metadata.ASCII_STRING_MARSHALLER), "v2");
    CompletableFuture<Status> streamEnd = new CompletableFuture<>();
    StreamObserver<SimpleRequest> stream = SimpleServiceGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(force))
        .bidiStreamingRpc(new StreamObserver<SimpleResponse>() {
          @Override
          public void onNext(SimpleResponse value) {}

          @Override
          public void onError(Throwable t) {
            streamEnd.complete(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            streamEnd.complete(Status.OK);
          }
        });
    stream.onNext(SimpleRequest.newBuilder().setRequestMessage("hello").build());

    // Unary calls that v2 fails and v1 answers: the canary's 10 % fail, and it is rolled back.
    var unary = SimpleServiceGrpc.newBlockingStub(channel);
    long deadline = System.nanoTime() + RolloutWatch.WAIT.toNanos();
    while (!rollout(router).get("state").asText().equals("rolled-back")) {
      assertThat(System.nanoTime()).as("rolled back within %s", RolloutWatch.WAIT).isLessThan(deadline);
      for (int i = 0; i < 50; i++) {
        try {
          unary.withDeadlineAfter(10, TimeUnit.SECONDS)
              .unaryRpc(SimpleRequest.newBuilder().setRequestMessage("status@v2:INTERNAL:broken v2").build());
        } catch (io.grpc.StatusRuntimeException expected) {
          // v2's answer
        }
      }
    }
    long rolledBack = System.nanoTime();
    assertThat(streamEnd).as("the stream runs on during the grace").isNotDone();
    Status end = streamEnd.get(30, TimeUnit.SECONDS);
    double afterSeconds = (System.nanoTime() - rolledBack) / 1e9;
    assertThat(end.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(end.getDescription()).contains("rolled back");
    assertThat(afterSeconds).as("ended within the 2 s grace (+ a tick and slack)").isLessThan(6);
    System.out.printf("e2e rollout stream: ended %.1f s after the rollback was visible: %s%n", afterSeconds, end);
  }
}
