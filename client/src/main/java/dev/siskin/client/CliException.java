package dev.siskin.client;

/**
 * A failure the user can act on: its message is printed as the single error line, without a stack trace.
 * Throw it with a message that names the offending value and what was expected.
 */
public final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  public CliException(String message) {
    this(message, ExitCodes.FAILED);
  }

  public CliException(String message, int exitCode) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
