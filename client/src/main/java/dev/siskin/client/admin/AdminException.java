package dev.siskin.client.admin;

/** The router's admin endpoint did not answer, or answered something unusable; the message says which. */
public final class AdminException extends Exception {
  private static final long serialVersionUID = 1L;

  public AdminException(String message) {
    super(message, null, false, false);
  }
}
