package dev.siskin.router.admin.http;

/** A request the server answers with an error status without looking further: malformed, too large, unsupported. */
final class RejectedRequest extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;

  RejectedRequest(int status, String message) {
    super(message, null, false, false); // a verdict on input, not a fault: no stack trace to fill
    this.status = status;
  }

  int status() {
    return status;
  }
}
