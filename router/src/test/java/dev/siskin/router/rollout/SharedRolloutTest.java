package dev.siskin.router.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.CanaryConfigParser;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.observe.RouteCause;
import dev.siskin.router.rollout.peers.PeerRole;
import dev.siskin.router.rollout.peers.PeerTransport;
import dev.siskin.router.rollout.peers.RolloutPeers;
import dev.siskin.router.testing.FakeScheduler;
import io.grpc.Status;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two routers sharing one rollout, wired to each other through a fake network: the judge decides from the
 * follower's calls as from its own, the follower adopts each decision, and neither advances on a slice of the
 * traffic -- the judge while a follower is away, the follower ever.
 */
class SharedRolloutTest {
  private static final String PREDICT = "mlservice.v1.PredictionService/Predict";
  private static final InetSocketAddress A = new InetSocketAddress(ip("10.0.0.1"), 9901);
  private static final InetSocketAddress B = new InetSocketAddress(ip("10.0.0.2"), 9901);

  @TempDir
  Path dir;

  private final FakeScheduler scheduler = new FakeScheduler(Instant.parse("2026-12-02T10:00:00Z"));
  /** What the routers' name resolves to; the order here does not matter (every router sorts it). */
  private final List<InetAddress> resolves = new ArrayList<>(List.of(B.getAddress(), A.getAddress()));
  private final Map<InetSocketAddress, RolloutPeers> network = new HashMap<>();
  private final Set<InetSocketAddress> unreachable = new HashSet<>();
  private final List<String> ended = new ArrayList<>();
  private Router a;
  private Router b;

  /** One router: its controller, its own config file (the same text in each), what it put in force. */
  private final class Router {
    final Path config;
    final RolloutController controller;
    int reinstalls;
    CanaryConfig file;

    Router(String name, InetSocketAddress address) throws IOException {
      Path home = Files.createDirectories(dir.resolve(name));
      config = home.resolve("canary.conf");
      controller = new RolloutController(config, scheduler.clock(), scheduler, () -> reinstalls++,
          (backend, status) -> {
            ended.add(name + " " + backend + " " + status.getCode());
            return 1;
          },
          local -> {
            RolloutPeers peers = new RolloutPeers(local, transport(), lookup(), scheduler.clock());
            network.put(address, peers);
            return peers;
          });
    }

    CanaryConfig apply(String rolloutKeys) throws Exception {
      Files.writeString(config, """
          backends {
            v1 { target = "127.0.0.1:1", weight = 100 }
            v2 { target = "127.0.0.1:2", weight = 0 }
          }
          rollout { enabled = true, run-id = r1, steps = [10, 50, 100], step-time = 10s, min-calls = 50,
                    routers = ["dns:///routers.test:9901"], %s }
          """.formatted(rolloutKeys));
      CanaryConfig next = CanaryConfigParser.parse(config, Map.of(), scheduler.clock());
      CanaryConfig inForce = controller.inForce(file, next);
      file = next;
      return inForce;
    }

    void poll() {
      controller.peers().poll();
    }

    RolloutView view() {
      return controller.view();
    }

    int canaryWeight() {
      return controller.inForce(file, file).backends().stream().filter(s -> s.name().equals("v2"))
          .mapToInt(BackendSpec::weight).findFirst().orElseThrow();
    }

    /** {@code n} calls split by {@code share}, canary and baseline interleaved, failing with {@code canaryCode}. */
    void traffic(double share, int n, Status.Code canaryCode) {
      double due = 0;
      for (int i = 0; i < n; i++) {
        due += share;
        boolean canary = due >= 1;
        due -= canary ? 1 : 0;
        controller.onCallFinished(new CallOutcome(canary ? "v2" : "v1", PREDICT, canary ? canaryCode : Status.Code.OK,
            false, scheduler.clock().instant(), 2_000_000L, 0, 0, "-", 1, RouteCause.WEIGHT,
            canary ? share : 1 - share));
      }
    }
  }

  private PeerTransport transport() {
    return (address, path, headers, timeout) -> {
      RolloutPeers peer = network.get(address);
      if (peer == null || unreachable.contains(address)) {
        throw new IOException("connection refused");
      }
      if (path.equals("/rollout/peer")) {
        return new PeerTransport.Answer(200, new String(peer.describe(), StandardCharsets.UTF_8));
      }
      return peer.observations(headers.get(RolloutPeers.JUDGE_HEADER), headers.get(RolloutPeers.EXPECT_HEADER),
          Long.parseLong(headers.get(RolloutPeers.AFTER_HEADER)), headers.get(RolloutPeers.RUN_HEADER));
    };
  }

  private dev.siskin.router.rollout.peers.PeerAddresses.Lookup lookup() {
    return host -> {
      if (!host.equals("routers.test") || resolves.isEmpty()) {
        throw new UnknownHostException(host);
      }
      return resolves.toArray(InetAddress[]::new);
    };
  }

  private static InetAddress ip(String text) {
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /** One second of both routers' lives: their peers poll (follower first), then both decide. */
  private void second() {
    b.poll();
    a.poll();
    scheduler.advance(Duration.ofSeconds(1));
    a.controller.tick();
    b.controller.tick();
  }

  private void seconds(int n) {
    for (int i = 0; i < n; i++) {
      second();
    }
  }

  @BeforeEach
  void twoRouters() throws Exception {
    a = new Router("a", A);
    b = new Router("b", B);
    a.apply("");
    b.apply("");
    second();
  }

  @Test
  void theLowestAddressJudgesAndTheOtherFollows() {
    assertThat(a.view().peers().role()).isEqualTo(PeerRole.JUDGE);
    assertThat(b.view().peers().role()).isEqualTo(PeerRole.FOLLOWER);
    assertThat(b.view().peers().judge()).isEqualTo("10.0.0.1:9901");
    assertThat(a.view().peers().peers()).singleElement()
        .satisfies(p -> assertThat(p.following()).as(p.problem()).isTrue());
    assertThat(a.view().phase()).isEqualTo(RolloutPhase.RUNNING);
    assertThat(b.view().phase()).isEqualTo(RolloutPhase.RUNNING);
  }

  @Test
  void theJudgeAdvancesOnTheFollowersCallsAloneAndTheFollowerAdoptsTheStep() {
    // Every call goes through the follower: without its calls the judge would wait for traffic for ever.
    for (int i = 0; i < 11; i++) {
      b.traffic(0.1, 400, Status.Code.OK);
      second();
    }
    assertThat(a.view().step()).as(a.view().waiting()).isEqualTo(1);
    assertThat(a.view().state().history()).extracting(Decision::kind).contains("advance");
    assertThat(a.view().peers().peers().get(0).taken()).isGreaterThanOrEqualTo(4000);
    second();
    assertThat(b.view().step()).as(b.view().waiting()).isEqualTo(1);
    assertThat(b.view().state().history()).extracting(Decision::kind).contains("follow");
    assertThat(b.canaryWeight()).as("the follower routes by the judge's step").isEqualTo(50);
    assertThat(b.reinstalls).isPositive();
  }

  @Test
  void withoutTheFollowersCallsTheJudgeWaitsForTraffic() {
    unreachable.add(B);
    for (int i = 0; i < 15; i++) {
      b.traffic(0.1, 400, Status.Code.OK);
      second();
    }
    assertThat(a.view().step()).isZero();
    assertThat(a.view().waiting()).contains("waiting for traffic").contains("10.0.0.2:9901 has not answered");
  }

  @Test
  void theJudgeDoesNotAdvanceWhileAFollowerIsAwayEvenWithTrafficOfItsOwn() {
    unreachable.add(B);
    for (int i = 0; i < 15; i++) {
      a.traffic(0.1, 400, Status.Code.OK);
      second();
    }
    assertThat(a.view().step()).as("the judge would judge a slice of the traffic").isZero();
    assertThat(a.view().waiting()).contains("10.0.0.2:9901 has not answered");
    unreachable.clear();
    seconds(2);
    assertThat(a.view().step()).as(a.view().waiting()).isEqualTo(1);
  }

  @Test
  void aFollowerHoldsItsStepWhileTheJudgeIsAway() {
    unreachable.add(A);
    for (int i = 0; i < 30; i++) {
      b.traffic(0.1, 400, Status.Code.OK);
      a.traffic(0.1, 400, Status.Code.OK);
      second();
    }
    assertThat(b.view().step()).isZero();
    assertThat(b.view().phase()).isEqualTo(RolloutPhase.RUNNING);
    assertThat(b.view().peers().judgeProblem()).contains("connection refused");
    assertThat(b.view().report()).as("a follower judges nothing itself").isNull();
  }

  @Test
  void theJudgeRollsBackOnTheFollowersFailuresAndTheFollowerEndsTheCanarysCalls() {
    b.traffic(0.1, 2000, Status.Code.OK);
    b.traffic(0.1, 300, Status.Code.INTERNAL);
    seconds(2);
    assertThat(a.view().phase()).isEqualTo(RolloutPhase.ROLLED_BACK);
    assertThat(b.view().phase()).isEqualTo(RolloutPhase.ROLLED_BACK);
    assertThat(b.canaryWeight()).isZero();
    scheduler.advance(Duration.ofSeconds(11)); // stream-grace
    assertThat(ended).contains("a v2 UNAVAILABLE", "b v2 UNAVAILABLE");
  }

  @Test
  void whenTheJudgeLeavesTheNextLowestTakesOverAtTheSameStepWithFreshEvidence() {
    for (int i = 0; i < 11; i++) {
      b.traffic(0.1, 400, Status.Code.OK);
      second();
    }
    second();
    assertThat(b.view().step()).isEqualTo(1);
    resolves.remove(A.getAddress()); // the judge's pod is gone from the routers' name
    second();
    assertThat(b.view().peers().role()).isEqualTo(PeerRole.JUDGE);
    assertThat(b.view().step()).isEqualTo(1);
    assertThat(b.view().state().lastDecision().kind()).isEqualTo("take-over");
    assertThat(b.view().report().counts().canaryCalls()).as("fresh evidence").isZero();
  }

  @Test
  void aNewJudgeWithoutStateCatchesUpWithTheFollowersInsteadOfTakingThemBack() throws Exception {
    for (int i = 0; i < 11; i++) {
      b.traffic(0.1, 400, Status.Code.OK);
      second();
    }
    second();
    assertThat(b.view().step()).isEqualTo(1);
    // A new router pod at a lower address, started without a state file: its own rollout begins at step 0.
    InetSocketAddress zAddress = new InetSocketAddress(ip("10.0.0.0"), 9901);
    Router z = new Router("z", zAddress);
    z.apply("");
    resolves.add(zAddress.getAddress());
    assertThat(z.view().step()).isZero();
    z.poll();
    b.poll();
    a.poll();
    assertThat(a.view().peers().judge()).isEqualTo("10.0.0.0:9901");
    assertThat(a.view().step()).as("a follower never steps back to a new judge's step").isEqualTo(1);
    assertThat(a.view().waiting()).contains("behind this router's 50");
    z.poll();
    assertThat(z.view().peers().role()).isEqualTo(PeerRole.JUDGE);
    assertThat(z.view().step()).as("the new judge caught up with its followers").isEqualTo(1);
    assertThat(z.view().state().lastDecision().kind()).isEqualTo("take-over");
    assertThat(z.view().state().lastDecision().reason()).contains("as an earlier judge decided");
  }

  @Test
  void aFollowerGivesItsCallsOnlyToTheJudgeItFollows() {
    PeerTransport.Answer answer = network.get(B).observations("someone-else", "", 0, "r1");
    assertThat(answer.status()).isEqualTo(409);
    assertThat(answer.body()).contains("follows the judge at 10.0.0.1:9901");
    PeerTransport.Answer wrongRun = network.get(B).observations(network.get(A).instance(), "", 0, "r2");
    assertThat(wrongRun.status()).isEqualTo(409);
    assertThat(wrongRun.body()).contains("rollout \\\"r1\\\"");
  }
}
