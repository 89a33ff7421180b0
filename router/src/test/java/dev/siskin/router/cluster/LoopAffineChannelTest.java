package dev.siskin.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.netty.channel.DefaultEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LoopAffineChannelTest {
  private final DefaultEventLoopGroup group = new DefaultEventLoopGroup(2);
  private final List<EventLoop> loops = loopsOf(group);

  @AfterEach
  void stop() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  @Test
  void aCallStartedOnALoopGoesToThatLoopsChild() throws Exception {
    FakeChannel first = new FakeChannel(ConnectivityState.READY);
    FakeChannel second = new FakeChannel(ConnectivityState.READY);
    LoopAffineChannel channel = new LoopAffineChannel(loops, List.of(first, second));

    for (int round = 0; round < 3; round++) {
      loops.get(1).submit(() -> channel.newCall(null, CallOptions.DEFAULT)).get(5, TimeUnit.SECONDS);
      loops.get(0).submit(() -> channel.newCall(null, CallOptions.DEFAULT)).get(5, TimeUnit.SECONDS);
    }

    assertThat(first.callThreads).hasSize(3).allMatch(thread -> thread == threadOf(loops.get(0)));
    assertThat(second.callThreads).hasSize(3).allMatch(thread -> thread == threadOf(loops.get(1)));
  }

  @Test
  void callsFromOtherThreadsTakeTheChildrenInTurn() {
    FakeChannel first = new FakeChannel(ConnectivityState.READY);
    FakeChannel second = new FakeChannel(ConnectivityState.READY);
    LoopAffineChannel channel = new LoopAffineChannel(loops, List.of(first, second));

    for (int i = 0; i < 4; i++) {
      channel.newCall(null, CallOptions.DEFAULT);
    }

    assertThat(first.callThreads).hasSize(2);
    assertThat(second.callThreads).hasSize(2);
  }

  @Test
  void aLoopWhoseChildIsNotConnectedBorrowsAConnectedOneAndAsksItsOwnToConnect() throws Exception {
    FakeChannel connected = new FakeChannel(ConnectivityState.READY);
    FakeChannel idle = new FakeChannel(ConnectivityState.IDLE);
    LoopAffineChannel channel = new LoopAffineChannel(loops, List.of(connected, idle));

    loops.get(1).submit(() -> channel.newCall(null, CallOptions.DEFAULT)).get(5, TimeUnit.SECONDS);

    assertThat(connected.callThreads).containsExactly(threadOf(loops.get(1)));
    assertThat(idle.callThreads).isEmpty();
    assertThat(idle.connectRequests).hasValue(1);
  }

  @Test
  void withNoChildConnectedALoopKeepsItsOwn() throws Exception {
    FakeChannel first = new FakeChannel(ConnectivityState.TRANSIENT_FAILURE);
    FakeChannel second = new FakeChannel(ConnectivityState.CONNECTING);
    LoopAffineChannel channel = new LoopAffineChannel(loops, List.of(first, second));

    loops.get(1).submit(() -> channel.newCall(null, CallOptions.DEFAULT)).get(5, TimeUnit.SECONDS);

    assertThat(second.callThreads).hasSize(1);
    assertThat(first.callThreads).isEmpty();
  }

  @Test
  void stateIsTheBestOfTheChildren() {
    assertThat(new LoopAffineChannel(loops, List.of(new FakeChannel(ConnectivityState.TRANSIENT_FAILURE),
        new FakeChannel(ConnectivityState.READY))).getState(false)).isEqualTo(ConnectivityState.READY);
    assertThat(new LoopAffineChannel(loops, List.of(new FakeChannel(ConnectivityState.IDLE),
        new FakeChannel(ConnectivityState.CONNECTING))).getState(false)).isEqualTo(ConnectivityState.CONNECTING);
    assertThat(new LoopAffineChannel(loops, List.of(new FakeChannel(ConnectivityState.SHUTDOWN),
        new FakeChannel(ConnectivityState.SHUTDOWN))).getState(false)).isEqualTo(ConnectivityState.SHUTDOWN);
  }

  @Test
  void shutdownReachesEveryChild() throws InterruptedException {
    FakeChannel first = new FakeChannel(ConnectivityState.READY);
    FakeChannel second = new FakeChannel(ConnectivityState.READY);
    LoopAffineChannel channel = new LoopAffineChannel(loops, List.of(first, second));

    channel.shutdown();

    assertThat(channel.isShutdown()).isTrue();
    assertThat(channel.awaitTermination(1, TimeUnit.SECONDS)).isTrue();
    assertThat(channel.isTerminated()).isTrue();
  }

  @Test
  void needsOneChildPerLoop() {
    assertThatThrownBy(() -> new LoopAffineChannel(loops, List.of(new FakeChannel(ConnectivityState.READY))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("one child channel per loop expected, got 1 for 2 loops");
  }

  private static List<EventLoop> loopsOf(DefaultEventLoopGroup group) {
    List<EventLoop> all = new ArrayList<>();
    for (EventExecutor executor : group) {
      all.add((EventLoop) executor);
    }
    return all;
  }

  private static Thread threadOf(EventLoop loop) {
    try {
      return loop.submit(Thread::currentThread).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Records the thread of each newCall and each request to connect; a fixed connectivity state; shutdown terminates at once. */
  private static final class FakeChannel extends ManagedChannel {
    final List<Thread> callThreads = new CopyOnWriteArrayList<>();
    final AtomicInteger connectRequests = new AtomicInteger();
    private final ConnectivityState state;
    private volatile boolean shutdown;

    FakeChannel(ConnectivityState state) {
      this.state = state;
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method, CallOptions options) {
      callThreads.add(Thread.currentThread());
      return null;
    }

    @Override
    public String authority() {
      return "fake";
    }

    @Override
    public ConnectivityState getState(boolean requestConnection) {
      if (requestConnection) {
        connectRequests.incrementAndGet();
      }
      return state;
    }

    @Override
    public ManagedChannel shutdown() {
      shutdown = true;
      return this;
    }

    @Override
    public ManagedChannel shutdownNow() {
      return shutdown();
    }

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public boolean isTerminated() {
      return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return shutdown;
    }
  }
}
