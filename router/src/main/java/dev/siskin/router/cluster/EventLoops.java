package dev.siskin.router.cluster;

import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.IoHandlerFactory;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;

/**
 * The router's network threads: one Netty event loop per core, shared by the gRPC server (client
 * connections) and every backend channel, so that a call and its backend call can run on the same thread
 * (see {@link LoopAffineChannel}). Native epoll when the platform has it, NIO otherwise.
 *
 * <p>One group per process, created on first use; its threads are daemons and live as long as the JVM
 * (like grpc-java's own default event loop group), so routers started and stopped in one JVM share it.
 * Thread-safe.
 */
public final class EventLoops {
  private static final class Holder {
    static final EventLoops SHARED = new EventLoops(Runtime.getRuntime().availableProcessors());
  }

  private final EventLoopGroup group;
  private final List<EventLoop> loops;
  private final boolean epoll;

  private EventLoops(int threads) {
    this.epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("siskin-io", true), io);
    List<EventLoop> all = new ArrayList<>(threads);
    for (EventExecutor executor : group) {
      all.add((EventLoop) executor);
    }
    this.loops = List.copyOf(all);
  }

  /** The process-wide group. */
  public static EventLoops shared() {
    return Holder.SHARED;
  }

  /** For the server's boss and worker groups. */
  public EventLoopGroup group() {
    return group;
  }

  /** Every loop of the group, in a fixed order. */
  public List<EventLoop> loops() {
    return loops;
  }

  public Class<? extends ServerChannel> serverChannelType() {
    return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  public Class<? extends io.grpc.netty.shaded.io.netty.channel.Channel> channelType() {
    return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
  }
}
