package dev.siskin.router.admin.http;

import static java.util.Objects.requireNonNull;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP/1.1 server for an admin endpoint, built so that no client can hold up another's request: every
 * resource a client can take is bounded by {@link HttpLimits}.
 *
 * <p>One I/O thread runs a selector over all connections. It accepts, reads request heads without blocking (a
 * stalled client costs a buffer, not a thread), enforces each connection's deadline, answers {@link Answer.Now}
 * itself and hands {@link Answer.Later} to a fixed pool of workers with a bounded queue. A worker writes its
 * response straight to the socket while it is produced, up to the response deadline. So a health probe answered
 * {@code Now} waits for nothing but the I/O thread, whatever the other connections do.
 *
 * <p>Bodies are never read. The handler sees the head with {@link RequestHead#hasBody()} and refuses; after each
 * response the server shuts its side, reads and drops what still comes for a short while (so that the kernel does
 * not turn the close into a reset that destroys the response), then closes. One request per connection.
 *
 * <p>Lifecycle: {@link #start}, then {@link #close()}. Thread-safe.
 */
public final class BoundedHttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BoundedHttpServer.class);
  private static final int LINGER_BYTES = 1024 * 1024;
  private static final int ACCEPTS_PER_ROUND = 64;
  private static final int READS_PER_ROUND = 64;
  private static final long ACCEPT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long MAX_SELECT_MILLIS = 1000;

  private enum State {
    /** The I/O thread reads the head, until the head deadline. */
    READING_HEAD,
    /**
     * Queued for a worker, or a worker builds and writes the response, by a deadline of its own; the I/O thread
     * keeps off until the worker hands the connection back.
     */
    WORKING,
    /** The I/O thread writes a response it has whole, until the response deadline. */
    WRITING,
    /** Response sent, our side shut: reading and dropping until the client closes, or the linger deadline. */
    LINGERING
  }

  /** One client connection; its fields belong to the I/O thread, except while a worker has it (WORKING). */
  private static final class Connection {
    final Wire wire;
    final SocketChannel channel;
    final String peer;
    SelectionKey key;
    State state = State.READING_HEAD;
    long deadline;
    HeadReader head;
    ByteBuffer pending;
    long lingered;

    Connection(Wire wire, String peer, long deadline, HeadReader head) {
      this.wire = wire;
      this.channel = wire.channel();
      this.peer = peer;
      this.deadline = deadline;
      this.head = head;
    }
  }

  private final HttpLimits limits;
  private final Handler handler;
  private final Supplier<SSLEngine> tls;
  private final Selector selector;
  private final ServerSocketChannel listener;
  private final SelectionKey acceptKey;
  private final InetSocketAddress address;
  private final ThreadPoolExecutor workers;
  private final Thread ioThread;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Queue<Runnable> handedBack = new ConcurrentLinkedQueue<>();
  // The I/O thread's alone:
  private final Set<Connection> connections = new LinkedHashSet<>(); // in accept order: the oldest first
  private final ByteBuffer readBuffer = ByteBuffer.allocate(8192);
  private long acceptPausedUntil;
  private boolean acceptPaused;

  private BoundedHttpServer(InetSocketAddress bindTo, HttpLimits limits, Handler handler, String name,
      Supplier<SSLEngine> tls) throws IOException {
    this.limits = requireNonNull(limits, "limits");
    this.handler = requireNonNull(handler, "handler");
    this.tls = tls;
    selector = Selector.open();
    listener = ServerSocketChannel.open();
    try {
      listener.bind(requireNonNull(bindTo, "address"));
      listener.configureBlocking(false);
      acceptKey = listener.register(selector, SelectionKey.OP_ACCEPT);
      address = (InetSocketAddress) listener.getLocalAddress();
    } catch (IOException | RuntimeException e) {
      closeQuietly(listener);
      closeQuietly(selector);
      throw e;
    }
    AtomicInteger number = new AtomicInteger();
    workers = new ThreadPoolExecutor(limits.workers(), limits.workers(), 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(limits.queue()), r -> daemon(r, name + "-" + number.incrementAndGet()));
    ioThread = daemon(this::run, name + "-io");
    ioThread.start();
  }

  /**
   * Binds and starts serving; threads are named {@code name-io} and {@code name-1...}.
   *
   * @throws IOException when the address cannot be bound
   */
  public static BoundedHttpServer start(InetSocketAddress address, HttpLimits limits, Handler handler, String name)
      throws IOException {
    return new BoundedHttpServer(address, limits, handler, name, null);
  }

  /**
   * As {@link #start(InetSocketAddress, HttpLimits, Handler, String)}, serving HTTPS only: each connection gets an
   * engine of {@code tls} (configured for the server side by the supplier: protocols, client authentication). The
   * handshake is bounded by the head deadline and the connection limit, as a request head is.
   */
  public static BoundedHttpServer startTls(InetSocketAddress address, HttpLimits limits, Handler handler,
      String name, Supplier<SSLEngine> tls) throws IOException {
    return new BoundedHttpServer(address, limits, handler, name, requireNonNull(tls, "tls"));
  }

  /** The address bound (with the real port when 0 was asked for). */
  public InetSocketAddress address() {
    return address;
  }

  /** Stops at once, cutting responses in progress; the port is free when this returns. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    selector.wakeup();
    workers.shutdownNow();
    if (Thread.currentThread() != ioThread) {
      try {
        ioThread.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    closeQuietly(listener); // done by the I/O thread already, unless it died
    closeQuietly(selector);
  }

  private void run() {
    while (!closed.get()) {
      try {
        long untilNextDeadline = expire(System.nanoTime());
        long millis = Math.max(1, Math.min(MAX_SELECT_MILLIS, TimeUnit.NANOSECONDS.toMillis(untilNextDeadline) + 1));
        selector.select(this::ready, millis);
        for (Runnable r = handedBack.poll(); r != null; r = handedBack.poll()) {
          r.run();
        }
      } catch (ClosedSelectorException e) {
        break;
      } catch (IOException | RuntimeException e) {
        log.warn("Admin endpoint: unexpected error in its I/O loop; it keeps serving", e);
        pause();
      }
    }
    for (Connection c : new ArrayList<>(connections)) {
      close(c);
    }
    closeQuietly(listener);
    closeQuietly(selector);
  }

  private void ready(SelectionKey key) {
    if (key == acceptKey) {
      acceptSome();
      return;
    }
    Connection c = (Connection) key.attachment();
    try {
      switch (c.state) {
        case READING_HEAD -> readHead(c);
        case WRITING -> writePending(c);
        case LINGERING -> discard(c);
        case WORKING -> { } // no interest ops while a worker has it
      }
    } catch (IOException | RuntimeException e) { // the client went away, or the key was cancelled
      log.debug("Admin connection from {} dropped", c.peer, e);
      close(c);
    }
  }

  private void acceptSome() {
    for (int i = 0; i < ACCEPTS_PER_ROUND; i++) { // then the others' turn
      SocketChannel channel;
      try {
        channel = listener.accept();
      } catch (IOException e) {
        // e.g. out of file descriptors: retrying at once would spin, so the listener rests a moment
        log.warn("Admin endpoint: accept failed ({}); retrying in {} ms", e.toString(),
            TimeUnit.NANOSECONDS.toMillis(ACCEPT_PAUSE_NANOS));
        acceptKey.interestOps(0);
        acceptPaused = true;
        acceptPausedUntil = System.nanoTime() + ACCEPT_PAUSE_NANOS;
        return;
      }
      if (channel == null) {
        return;
      }
      try {
        admit(channel);
      } catch (IOException | RuntimeException e) {
        log.debug("Admin connection dropped at accept", e);
        closeQuietly(channel);
      }
    }
  }

  private void admit(SocketChannel channel) throws IOException {
    channel.configureBlocking(false);
    String peer = String.valueOf(channel.getRemoteAddress());
    if (connections.size() >= limits.maxConnections() && !evictOneWaiting()) {
      log.debug("Admin connection from {} refused: {} connections open, all busy", peer, connections.size());
      channel.close();
      return;
    }
    Wire wire = tls == null ? Wire.plain(channel) : new TlsWire(channel, tls.get());
    Connection c = new Connection(wire, peer, System.nanoTime() + limits.headTimeout().toNanos(),
        new HeadReader(limits.maxHeadBytes()));
    c.key = channel.register(selector, SelectionKey.OP_READ, c);
    connections.add(c);
  }

  /** Closes the oldest connection that is not being answered: a new client beats one stuck in its head. */
  private boolean evictOneWaiting() {
    Connection oldest = null;
    for (Connection c : connections) {
      if (c.state == State.READING_HEAD || c.state == State.LINGERING) {
        oldest = c;
        break;
      }
    }
    if (oldest == null) {
      return false;
    }
    log.debug("Admin connection from {} closed: {} connections open, the limit", oldest.peer, connections.size());
    close(oldest);
    return true;
  }

  private void readHead(Connection c) throws IOException {
    // Until the socket has no more (a TLS wire hands out one record at a time), or a round's budget is spent:
    // the head is bounded by its size and deadline, the thread's attention per round by this.
    for (int round = 0; round < READS_PER_ROUND; round++) {
      readBuffer.clear().limit(Math.min(readBuffer.capacity(), c.head.room()));
      int n = c.wire.read(readBuffer);
      if (n < 0) {
        close(c);
        return;
      }
      if (n == 0) { // and with TLS, handshake records may wait for room in the socket
        c.key.interestOps(SelectionKey.OP_READ | (c.wire.wantsToWrite() ? SelectionKey.OP_WRITE : 0));
        return;
      }
      readBuffer.flip();
      if (c.head.append(readBuffer)) {
        c.key.interestOps(0);
        dispatch(c);
        return;
      }
      if (c.head.room() == 0) {
        c.key.interestOps(0);
        respondNow(c, false, c.head.requestLineEnded()
            ? Response.text(431, "request headers larger than " + limits.maxHeadBytes() + " bytes\n")
            : Response.text(414, "request line longer than " + limits.maxHeadBytes() + " bytes\n"));
        return;
      }
    }
    c.key.interestOps(SelectionKey.OP_READ | (c.wire.wantsToWrite() ? SelectionKey.OP_WRITE : 0));
  }

  private void dispatch(Connection c) throws IOException {
    byte[] head = c.head.bytes();
    c.head = null;
    RequestHead parsed;
    try {
      parsed = RequestHeadParser.parse(head, limits.maxHeaders());
    } catch (RejectedRequest e) {
      respondNow(c, false, Response.text(e.status(), e.getMessage() + "\n"));
      return;
    }
    RequestHead request = c.wire.clientCertified() ? parsed.withClientCertificate() : parsed;
    Answer answer;
    try {
      answer = handler.answer(request);
    } catch (RuntimeException e) {
      log.warn("Admin request {} {} failed", request.method(), request.path(), e);
      answer = Answer.now(Response.text(500, "internal error: " + e + "\n"));
    }
    if (answer instanceof Answer.Now now) {
      respondNow(c, request.isHead(), now.response());
      return;
    }
    Callable<Response> work = ((Answer.Later) answer).work();
    c.state = State.WORKING;
    try {
      workers.execute(() -> work(c, request, work));
    } catch (RejectedExecutionException e) {
      respondNow(c, request.isHead(), Response.text(503, "busy: " + limits.queue() + " requests already wait for "
          + limits.workers() + " worker threads; try again\n"));
    }
  }

  private void respondNow(Connection c, boolean headRequest, Response.Fixed response) throws IOException {
    if (!c.wire.established()) { // a TLS handshake not finished: there is no way to tell the client anything
      close(c);
      return;
    }
    c.state = State.WRITING;
    c.deadline = System.nanoTime() + limits.responseTimeout().toNanos();
    c.pending = ByteBuffer.wrap(ResponseWriter.bytes(response, headRequest));
    writePending(c);
  }

  private void writePending(Connection c) throws IOException {
    while (c.pending.hasRemaining() && c.wire.write(c.pending) > 0) {
      // a TLS wire takes one record per write
    }
    if (c.pending.hasRemaining() || !c.wire.flush()) {
      c.key.interestOps(SelectionKey.OP_WRITE);
      return;
    }
    c.pending = null;
    linger(c);
  }

  private void linger(Connection c) throws IOException {
    c.wire.shutdownOutput();
    c.state = State.LINGERING;
    c.deadline = System.nanoTime() + limits.lingerTimeout().toNanos();
    c.key.interestOps(SelectionKey.OP_READ);
  }

  private void discard(Connection c) throws IOException {
    int n = c.wire.discard(readBuffer);
    if (n < 0 || (c.lingered += n) > LINGER_BYTES) {
      close(c);
    }
  }

  /** On a worker: makes the response and writes it while it is produced; then hands the connection back. */
  private void work(Connection c, RequestHead request, Callable<Response> work) {
    boolean sent = false;
    long deadline = System.nanoTime() + limits.responseTimeout().toNanos();
    try (ChannelOutputStream out = new ChannelOutputStream(c.wire, deadline)) {
      Response response;
      try {
        response = work.call();
      } catch (Exception e) {
        log.warn("Admin request {} {} failed", request.method(), request.path(), e);
        response = Response.text(500, "internal error: " + e + "\n");
      }
      ResponseWriter.write(response, request, out);
      out.flush();
      sent = true;
    } catch (IOException e) {
      log.debug("Admin response to {} {} from {} not completed: {}", request.method(), request.path(), c.peer,
          e.toString());
    } catch (RuntimeException e) {
      log.warn("Admin response to {} {} failed while being sent", request.method(), request.path(), e);
    } finally {
      boolean complete = sent;
      handedBack.add(() -> finished(c, complete));
      wakeUp();
    }
  }

  /** Back on the I/O thread after a worker. */
  private void finished(Connection c, boolean complete) {
    if (!connections.contains(c)) {
      return;
    }
    try {
      if (complete) {
        linger(c);
        return;
      }
    } catch (IOException | RuntimeException e) {
      log.debug("Admin connection from {} dropped", c.peer, e);
    }
    close(c);
  }

  /** Acts on the deadlines that passed; returns the time to the next one, in nanoseconds. */
  private long expire(long now) {
    long next = Long.MAX_VALUE;
    List<Connection> due = new ArrayList<>(0);
    for (Connection c : connections) {
      if (c.state != State.WORKING) { // a worker keeps its own deadline
        long left = c.deadline - now;
        if (left <= 0) {
          due.add(c);
        } else {
          next = Math.min(next, left);
        }
      }
    }
    for (Connection c : due) {
      timeOut(c);
    }
    if (acceptPaused) {
      long left = acceptPausedUntil - now;
      if (left <= 0) {
        acceptPaused = false;
        acceptKey.interestOps(SelectionKey.OP_ACCEPT);
      } else {
        next = Math.min(next, left);
      }
    }
    return next;
  }

  private void timeOut(Connection c) {
    if (c.state != State.READING_HEAD) {
      close(c);
      return;
    }
    try {
      c.head = null;
      c.key.interestOps(0);
      respondNow(c, false, Response.text(408, "request head not received within "
          + limits.headTimeout().toMillis() + " ms\n"));
    } catch (IOException | RuntimeException e) {
      close(c);
    }
  }

  private void close(Connection c) {
    connections.remove(c);
    if (c.key != null) {
      c.key.cancel();
    }
    closeQuietly(c.channel);
  }

  private void wakeUp() {
    try {
      selector.wakeup();
    } catch (RuntimeException e) {
      // closed meanwhile: nothing left to wake
    }
  }

  private static void pause() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private static void closeQuietly(Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      log.debug("close failed", e);
    }
  }
}
