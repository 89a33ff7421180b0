package dev.siskin.router.h2;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;

/**
 * Flushes, once per turn of an event loop, every channel written during that turn: the frames one read burst
 * forwards to many peers go out in one write per peer, and many small DATA frames of a stream coalesce (Netty's
 * flow controller merges what is queued when it flushes). grpc-java's WriteQueue idea without the concurrency.
 *
 * <p>One per event loop; used on that loop only (not thread-safe, and needs no locks).
 */
final class FlushBatch {
  private final EventLoop loop;
  private final List<Channel> dirty = new ArrayList<>();
  private final Runnable flushAll = this::flushAll;
  private boolean scheduled;

  private static final io.netty.util.concurrent.FastThreadLocal<FlushBatch> OF_LOOP =
      new io.netty.util.concurrent.FastThreadLocal<>();

  FlushBatch(EventLoop loop) {
    this.loop = loop;
  }

  /** Flushes {@code channel} at the end of this turn of its loop; call on that loop. */
  static void soon(Channel channel) {
    FlushBatch batch = OF_LOOP.get();
    if (batch == null || batch.loop != channel.eventLoop()) {
      batch = new FlushBatch(channel.eventLoop());
      OF_LOOP.set(batch);
    }
    batch.add(channel);
  }

  /**
   * {@code channel} has been written: flush it at the end of this turn of the loop, through its whole pipeline
   * (the HTTP/2 handler's flush first writes what its flow controller holds).
   */
  void add(Channel channel) {
    // Once per channel: a turn with a thousand writes to a handful of channels flushes each once. A list, not
    // a set: a turn touches few channels, and a scan of them is cheaper than hashing.
    for (int i = 0; i < dirty.size(); i++) {
      if (dirty.get(i) == channel) {
        return;
      }
    }
    dirty.add(channel);
    if (!scheduled) {
      scheduled = true;
      loop.execute(flushAll);
    }
  }

  private void flushAll() {
    scheduled = false;
    for (int i = 0; i < dirty.size(); i++) {
      Channel channel = dirty.get(i);
      if (channel.isActive()) {
        channel.flush();
      }
    }
    dirty.clear();
  }
}
