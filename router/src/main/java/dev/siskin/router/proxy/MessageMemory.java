package dev.siskin.router.proxy;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The router-wide budget for the large messages it holds. The forwarding core holds each message whole (as a
 * {@code byte[]}, see {@link RawMarshaller}) from the moment it arrives until the other side can take the next
 * one; with messages of up to {@code router.max-message-bytes} and many calls at once, that alone could
 * exhaust the heap. So a message of {@link #COUNTED_FROM} bytes or more must find room in this budget when it
 * arrives, or its call fails with RESOURCE_EXHAUSTED -- that call, not the router and not the other calls.
 *
 * <p>Smaller messages are not counted: an atomic add per message would cost every small call CPU for no
 * gain, and their total is already bounded by the in-flight caps (calls x one message per direction x 64 KiB).
 *
 * <p>Thread-safe (one atomic counter); the limit is read at each hold, so a reload applies at once.
 */
public final class MessageMemory {
  /** Messages below this size are not counted. */
  public static final int COUNTED_FROM = 64 * 1024;

  private final LongSupplier limit;
  private final AtomicLong held = new AtomicLong();

  /** @param limit the budget in force, in bytes (see {@link #autoLimit}) */
  public MessageMemory(LongSupplier limit) {
    this.limit = requireNonNull(limit, "limit");
  }

  /**
   * The budget when {@code router.message-memory} is 0 (auto): a quarter of the JVM's maximum heap, so that
   * held messages cannot crowd out everything else, but at least two messages of the largest allowed size.
   */
  public static long autoLimit(long maxHeapBytes, int maxMessageBytes) {
    return Math.max(maxHeapBytes / 4, 2L * maxMessageBytes);
  }

  /**
   * Takes room for a message of {@code bytes}; a small one always gets it and is not counted.
   *
   * @return the bytes now held for it (0 for a small one), or -1 when there is no room
   */
  long tryHold(int bytes) {
    if (bytes < COUNTED_FROM) {
      return 0;
    }
    long max = limit.getAsLong();
    long now;
    do {
      now = held.get();
      if (now + bytes > max) {
        return -1;
      }
    } while (!held.compareAndSet(now, now + bytes));
    return bytes;
  }

  /** Gives back what {@link #tryHold} returned. */
  void release(long bytes) {
    if (bytes > 0) {
      held.addAndGet(-bytes);
    }
  }

  /** Bytes held now, for metrics. */
  public long held() {
    return held.get();
  }

  /** The budget in force, for metrics. */
  public long limit() {
    return limit.getAsLong();
  }
}
