package dev.siskin.router.rollout.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.siskin.router.rollout.RolloutPhase;
import dev.siskin.router.rollout.judge.Comparison;
import dev.siskin.router.rollout.judge.Role;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PeerWireTest {
  @Test
  void aRolloutTravelsWhole() {
    RemoteRollout r = new RemoteRollout("id-1", "judge", "10.0.0.1:9901", "run", RolloutPhase.ROLLED_BACK, 2,
        Instant.parse("2026-12-02T10:00:00Z"), "roll-back", "errors: canary failing");
    assertThat(PeerWire.readRollout(new String(PeerWire.rollout(r), StandardCharsets.UTF_8))).isEqualTo(r);
  }

  @Test
  void aBatchTravelsWhole() {
    List<Observation> observations = List.of(
        new Observation.Call(Role.CANARY, 0.1, Status.Code.INTERNAL, 1_234_567, 1_764_669_600_000L),
        new Observation.Compared(Comparison.SHADOW_FAILED),
        new Observation.Call(Role.BASELINE, 0.9, Status.Code.OK, 0, 1_764_669_600_001L));
    ObservationBuffer.Batch batch = new ObservationBuffer.Batch(41, observations, true, 7);
    RemoteRollout follower = new RemoteRollout("id-2", "follower", "10.0.0.1:9901", "run", RolloutPhase.RUNNING, 3,
        Instant.EPOCH, "", "");
    PeerWire.ReadBatch read = PeerWire.readBatch(new String(PeerWire.batch(follower, batch), StandardCharsets.UTF_8));
    assertThat(read.instance()).isEqualTo("id-2");
    assertThat(read.runId()).isEqualTo("run");
    assertThat(read.judge()).isEqualTo("10.0.0.1:9901");
    assertThat(read.phase()).isEqualTo(RolloutPhase.RUNNING);
    assertThat(read.step()).isEqualTo(3);
    assertThat(read.batch()).isEqualTo(batch);
    assertThat(read.batch().last()).isEqualTo(43);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "[]", "not json", "{}",
      "{\"instance\":\"i\",\"runId\":\"r\",\"judge\":\"j\",\"phase\":\"running\",\"step\":0,\"first\":1,\"dropped\":0}",
      "{\"instance\":\"i\",\"runId\":\"r\",\"judge\":\"j\",\"phase\":\"running\",\"step\":0,\"first\":1,\"dropped\":0,\"observations\":[[1,0.1,0,5]]}",
      "{\"instance\":\"i\",\"runId\":\"r\",\"judge\":\"j\",\"phase\":\"running\",\"step\":0,\"first\":1,\"dropped\":0,\"observations\":[[2,0.1,0,5,0]]}",
      "{\"instance\":\"i\",\"runId\":\"r\",\"judge\":\"j\",\"phase\":\"running\",\"step\":0,\"first\":1,\"dropped\":0,\"observations\":[[1,1.5,0,5,0]]}",
      "{\"instance\":\"i\",\"runId\":\"r\",\"judge\":\"j\",\"phase\":\"running\",\"step\":0,\"first\":1,\"dropped\":0,\"observations\":[[1,0.1,99,5,0]]}",
      "{\"instance\":\"i\",\"runId\":\"r\",\"judge\":\"j\",\"phase\":\"running\",\"step\":0,\"first\":1,\"dropped\":0,\"observations\":[[1,0.1,0,-5,0]]}",
      "{\"instance\":\"i\",\"runId\":\"r\",\"judge\":\"j\",\"phase\":\"running\",\"step\":0,\"first\":1,\"dropped\":0,\"observations\":[\"MAYBE\"]}",
      "{\"instance\":\"i\",\"runId\":\"r\",\"judge\":\"j\",\"phase\":\"running\",\"step\":0,\"first\":\"1\",\"dropped\":0,\"observations\":[]}"})
  void whatIsNotABatchIsRefusedWithTheReason(String body) {
    assertThatThrownBy(() -> PeerWire.readBatch(body)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageMatching("(not|no|unknown) .+");
  }

  @Test
  void aRolloutWithAnUnknownPhaseIsRefused() {
    String body = "{\"instance\":\"i\",\"role\":\"judge\",\"judge\":\"j\",\"runId\":\"r\",\"phase\":\"flying\","
        + "\"step\":0,\"stepStartedAt\":\"2026-12-02T10:00:00Z\",\"decision\":\"\",\"reason\":\"\"}";
    assertThatThrownBy(() -> PeerWire.readRollout(body)).hasMessageContaining("unknown phase \"flying\"");
  }
}
