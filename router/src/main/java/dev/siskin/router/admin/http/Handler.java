package dev.siskin.router.admin.http;

/** Decides how to answer each request of a {@link BoundedHttpServer}. */
@FunctionalInterface
public interface Handler {
  /**
   * Runs on the server's single I/O thread, which serves every connection: it must return at once, without
   * blocking or heavy work (that goes into {@link Answer#later}). A runtime exception becomes a plain 500.
   */
  Answer answer(RequestHead request);
}
