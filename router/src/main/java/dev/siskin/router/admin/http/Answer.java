package dev.siskin.router.admin.http;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.Callable;

/**
 * How a {@link Handler} answers one request: {@link Now} with a small response it already has, written by the I/O
 * thread so that nothing -- no busy worker, no slow reader -- can delay it; or {@link Later} by work that runs on
 * a worker thread.
 */
public sealed interface Answer permits Answer.Now, Answer.Later {
  /**
   * Sent by the I/O thread at once, without blocking: keep it cheap to make and small -- its bytes are held per
   * connection until written (the dashboard's largest file, 50 KiB, times the connection limit, 128, is the most
   * it holds).
   */
  record Now(Response.Fixed response) implements Answer {
    public Now {
      requireNonNull(response, "response");
    }
  }

  /** Made on a worker; a failure of {@code work} becomes a plain 500. */
  record Later(Callable<Response> work) implements Answer {
    public Later {
      requireNonNull(work, "work");
    }
  }

  static Answer now(Response.Fixed response) {
    return new Now(response);
  }

  static Answer later(Callable<Response> work) {
    return new Later(work);
  }
}
