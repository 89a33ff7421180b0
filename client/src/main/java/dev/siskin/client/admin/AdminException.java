package dev.siskin.client.admin;

/** The router's admin endpoint did not answer, or answered something unusable; the message says which. */
public final class AdminException extends Exception {
  private static final long serialVersionUID = 1L;

  private final boolean unreachable;

  public AdminException(String message) {
    this(message, false);
  }

  private AdminException(String message, boolean unreachable) {
    super(message, null, false, false);
    this.unreachable = unreachable;
  }

  /** Nothing answered at the address (refused, timed out, connection broken), as when the router is not running. */
  static AdminException unreachable(String message) {
    return new AdminException(message, true);
  }

  /** True when nothing answered; false when something answered, but not usably. */
  public boolean unreachable() {
    return unreachable;
  }
}
