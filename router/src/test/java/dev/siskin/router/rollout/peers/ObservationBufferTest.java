package dev.siskin.router.rollout.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.siskin.router.rollout.judge.Comparison;
import dev.siskin.router.rollout.judge.Role;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ObservationBufferTest {
  private static Observation call(long latency) {
    return new Observation.Call(Role.CANARY, 0.1, Status.Code.OK, latency, 0);
  }

  private static List<Long> latencies(ObservationBuffer.Batch batch) {
    List<Long> out = new ArrayList<>();
    batch.observations().forEach(o -> out.add(((Observation.Call) o).latencyNanos()));
    return out;
  }

  @Test
  void aBatchNotAcknowledgedIsGivenAgainAndAnAcknowledgedOneNever() {
    ObservationBuffer buffer = new ObservationBuffer(100);
    for (long i = 1; i <= 5; i++) {
      buffer.add(call(i));
    }
    ObservationBuffer.Batch first = buffer.after(0, 3);
    assertThat(first.first()).isEqualTo(1);
    assertThat(latencies(first)).containsExactly(1L, 2L, 3L);
    assertThat(first.more()).isTrue();
    // The answer was lost: the judge asks after 0 again and gets the same.
    assertThat(latencies(buffer.after(0, 3))).containsExactly(1L, 2L, 3L);
    ObservationBuffer.Batch next = buffer.after(first.last(), 10);
    assertThat(next.first()).isEqualTo(4);
    assertThat(latencies(next)).containsExactly(4L, 5L);
    assertThat(next.more()).isFalse();
    assertThat(buffer.after(next.last(), 10).observations()).isEmpty();
    assertThat(buffer.size()).isZero();
  }

  @Test
  void whenFullTheOldestMakeRoomAndAreCountedAsDropped() {
    ObservationBuffer buffer = new ObservationBuffer(3);
    for (long i = 1; i <= 5; i++) {
      buffer.add(call(i));
    }
    ObservationBuffer.Batch batch = buffer.after(0, 10);
    assertThat(batch.first()).isEqualTo(3);
    assertThat(latencies(batch)).containsExactly(3L, 4L, 5L);
    assertThat(batch.dropped()).isEqualTo(2);
  }

  @Test
  void callsAndComparisonsShareOneSequence() {
    ObservationBuffer buffer = new ObservationBuffer(10);
    buffer.add(call(1));
    buffer.add(new Observation.Compared(Comparison.DISAGREED));
    ObservationBuffer.Batch batch = buffer.after(0, 10);
    assertThat(batch.observations()).hasSize(2).element(1).isEqualTo(new Observation.Compared(Comparison.DISAGREED));
    assertThat(batch.last()).isEqualTo(2);
  }

  @Test
  void manyThreadsAddingLoseNothingBelowCapacity() throws Exception {
    ObservationBuffer buffer = new ObservationBuffer(1_000_000);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch go = new CountDownLatch(1);
    for (int t = 0; t < 4; t++) {
      pool.execute(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 50_000; i++) {
          buffer.add(call(i));
        }
      });
    }
    go.countDown();
    pool.shutdown();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    long taken = 0;
    long after = 0;
    while (true) {
      ObservationBuffer.Batch batch = buffer.after(after, 20_000);
      if (batch.observations().isEmpty()) {
        break;
      }
      taken += batch.observations().size();
      after = batch.last();
    }
    assertThat(taken).isEqualTo(200_000);
  }

  @Test
  void aCapacityBelowOneIsRefused() {
    assertThatThrownBy(() -> new ObservationBuffer(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
