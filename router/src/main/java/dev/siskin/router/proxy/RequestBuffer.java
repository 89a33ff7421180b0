package dev.siskin.router.proxy;

import java.util.ArrayList;
import java.util.List;

/**
 * The request messages of one call, kept so that a retry can replay them to another backend, up to a byte
 * limit; past it the buffer gives up (the call can no longer be retried) and lets go of what it held.
 *
 * <p>Not thread-safe: guarded by its call's lock.
 */
final class RequestBuffer {
  private final long limit;
  private final List<byte[]> messages = new ArrayList<>(1);
  private long bytes;
  private boolean overflowed;

  RequestBuffer(long limit) {
    this.limit = limit;
  }

  /** Keeps {@code message}; returns false (now and from then on) once the limit is passed. */
  boolean add(byte[] message) {
    if (overflowed) {
      return false;
    }
    bytes += message.length;
    if (bytes > limit) {
      overflowed = true;
      messages.clear();
      return false;
    }
    messages.add(message);
    return true;
  }

  boolean overflowed() {
    return overflowed;
  }

  List<byte[]> messages() {
    return messages;
  }
}
